// [cuda] networks on a real GPU: the same training as on the CPU, and a steady state with
// no device allocation.
#include <catch2/catch.hpp>

#include "kernels/ops.h"
#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "runtime/detached_memory.h"
#include "tests/support/kernel_testing.h"
#include "workspace/workspace_manager.h"

using namespace gyre;
using namespace gyre::nn;

TEST_CASE("a network trains on CUDA to the parameters it reaches on the CPU", "[cuda][nn]") {
  const NetworkConfig config =
      NetworkBuilder().input({1, 8, 8}).conv2d(4, 3).max_pool().dense(16).output(4).seed(3).build();
  Tensor features = testing::random_tensor({64, 1, 8, 8}, 1, 0.0f, 1.0f),
         labels = Tensor::empty_detached({64, 4});
  for (int r = 0; r < 64; ++r) {
    for (int c = 0; c < 4; ++c) labels.data<float>()[r * 4 + c] = r % 4 == c;
  }
  Network cpu(config), gpu(config, Device::cuda(0));
  InMemoryIterator cpu_data(features, labels, 16, true, 1),
      gpu_data(features, labels, 16, true, 1, Device::cuda(0));
  cpu.fit(cpu_data, 2);
  gpu.fit(gpu_data, 2);
  testing::require_close(gpu.parameters(), testing::values_of(cpu.parameters()), 1e-3, 1e-4);

  // Steady state: no workspace spill or resize and no detached allocation on the device.
  auto device_allocations = [] {
    std::uint64_t calls = detached_resource(Device::cuda(0)).statistics().misses;
    for (const WorkspaceStatistics& workspace :
         WorkspaceManager::for_device(Device::cuda(0)).statistics()) {
      calls += workspace.arenas[0].spill_count + workspace.arenas[0].resize_count;
    }
    return calls;
  };
  Evaluation evaluation(4);
  const std::vector<Evaluator*> evaluators = {&evaluation};
  gpu.evaluate(gpu_data, evaluators);
  const std::uint64_t before = device_allocations();
  gpu.fit(gpu_data, 2);
  gpu.evaluate(gpu_data, evaluators);
  CHECK(device_allocations() == before);
}
