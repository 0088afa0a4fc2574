// [device] networks on an accelerator (tests/support/test_device.h): the same training as
// on the CPU, and a steady state with no device allocation.
#include <catch2/catch.hpp>

#include "kernels/ops.h"
#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "runtime/detached_memory.h"
#include "runtime/stream.h"
#include "runtime/tensor_copy.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/test_device.h"
#include "workspace/workspace_manager.h"

using namespace gyre;
using namespace gyre::nn;

TEST_CASE("a network trains on the device to the parameters it reaches on the CPU",
          "[device][nn]") {
  const Device device = testing::test_device();
  const NetworkConfig config =
      NetworkBuilder().input({1, 8, 8}).conv2d(4, 3).max_pool().dense(16).output(4).seed(3).build();
  Tensor features = testing::random_tensor({64, 1, 8, 8}, 1, 0.0f, 1.0f),
         labels = Tensor::empty_detached({64, 4}, DType::f32, Device::cpu());
  for (int r = 0; r < 64; ++r) {
    for (int c = 0; c < 4; ++c) labels.data<float>()[r * 4 + c] = r % 4 == c;
  }
  Network cpu(config), accelerated(config, device);
  REQUIRE(accelerated.parameters().device() == device);
  InMemoryIterator cpu_data(features, labels, 16, true, 1),
      device_data(features, labels, 16, true, 1, device);
  const std::vector<double> initial = testing::values_of(cpu.parameters());
  cpu.fit(cpu_data, 2);
  accelerated.fit(device_data, 2);
  CHECK(accelerated.iteration() == cpu.iteration());
  // Training moved the parameters, and the device's moves are the CPU's.
  const std::vector<double> trained = testing::values_of(cpu.parameters());
  CHECK(trained != initial);
  testing::require_close(testing::on_host(accelerated.parameters()), trained, 1e-3, 1e-4);

  // Steady state: no workspace spill or resize and no detached allocation on the device.
  auto device_allocations = [device] {
    std::uint64_t calls = detached_resource(device).statistics().misses;
    for (const WorkspaceStatistics& workspace : WorkspaceManager::for_device(device).statistics()) {
      calls += workspace.arenas[0].spill_count + workspace.arenas[0].resize_count;
    }
    return calls;
  };
  Evaluation evaluation(4);
  const std::vector<Evaluator*> evaluators = {&evaluation};
  accelerated.evaluate(device_data, evaluators);
  const std::uint64_t before = device_allocations();
  CHECK_FALSE(WorkspaceManager::for_device(device).statistics().empty());
  accelerated.fit(device_data, 2);
  accelerated.evaluate(device_data, evaluators);
  CHECK(device_allocations() == before);
}

TEST_CASE("clone_to moves a network to the device with its parameters and state",
          "[device][nn][clone]") {
  const Device device = testing::test_device(1 % testing::test_device_count());
  Network original(
      NetworkBuilder().input({1, 6, 6}).conv2d(2, 3).batch_norm().dense(8).output(3).build());
  Tensor features = testing::random_tensor({8, 1, 6, 6}, 4, 0.0f, 1.0f),
         labels = Tensor::empty_detached({8, 3}, DType::f32, Device::cpu());
  for (int r = 0; r < 8; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c;
  }
  original.fit(DataSet{features, labels});
  const std::unique_ptr<Network> clone = original.clone_to(device);
  CHECK(clone->device() == device);
  CHECK(clone->parameters().device() == device);
  CHECK(testing::values_of(clone->parameters()) == testing::values_of(original.parameters()));
  CHECK(testing::values_of(clone->state()) == testing::values_of(original.state()));
  CHECK(clone->iteration() == original.iteration());
  const std::unique_ptr<Network> back = clone->clone_to(Device::cpu());
  CHECK(testing::values_of(back->parameters()) == testing::values_of(original.parameters()));
}
