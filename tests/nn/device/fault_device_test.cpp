// [device] fault injection in pinned and device memory: every pinned, then every
// device allocation of a training epoch on the test device (tests/support/test_device.h) fed
// from host data (so the prefetcher's pinned staging ring and device ring are sites too) and
// of an inference step on it fails in turn. Each failure must reach the caller as a
// gyre::Error with no scope open, and the next call works.
#include <catch2/catch.hpp>
#include <memory>

#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "runtime/stream.h"
#include "runtime/tensor_copy.h"
#include "tests/support/fault_injection.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/test_device.h"

using namespace gyre;
using namespace gyre::nn;

namespace {
void destroy_workspaces() {
  WorkspaceManager::destroy_all_for_current_thread();
}

}  // namespace

TEST_CASE("a failed pinned or device allocation in a device epoch reaches fit(), the next works",
          "[device][nn][faults]") {
  const Device device = testing::test_device();
  const Tensor features = testing::random_tensor({48, 6}, 1);
  Tensor labels = Tensor::empty_detached({48, 3}, DType::f32, Device::cpu());
  for (int r = 0; r < 48; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c ? 1.0f : 0.0f;
  }
  for (MemoryKind kind : {MemoryKind::pinned_host, MemoryKind::device}) {
    INFO("failing " << name_of(kind) << " allocations");
    std::unique_ptr<Network> network;
    std::unique_ptr<InMemoryIterator> batches;
    auto fresh = [&] {  // new workspaces and prefetch ring every run
      destroy_workspaces();
      network = std::make_unique<Network>(
          NetworkBuilder().input({6}).dense(5).dropout(0.1f).output(3).build(), device);
      batches = std::make_unique<InMemoryIterator>(features, labels, 16, true, 2);
    };
    fresh();
    const int sites = testing::fail_each_allocation(
        fault_injection(kind, device), device, [&] { network->fit(*batches, 1); },
        [&] {
          network->fit(*batches, 1);  // the next call works
          CHECK(network->score() > 0.0);
          fresh();
        });
    CHECK(sites >= 1);
  }
  destroy_workspaces();
}

TEST_CASE(
    "a failed device allocation in a device inference step reaches output(), the next "
    "works",
    "[device][nn][faults]") {
  const Device device = testing::test_device();
  Network network(NetworkBuilder().input({6}).dense(5).output(3).build(), device);
  const Tensor input = testing::random_tensor({4, 6}, 5, -1.0f, 1.0f, device);
  const std::vector<double> expected = testing::values_of(network.output(input));
  destroy_workspaces();
  const int sites = testing::fail_each_allocation(
      fault_injection(MemoryKind::device, device), device, [&] { (void)network.output(input); },
      [&] {
        testing::require_close(testing::on_host(network.output(input)), expected, 0.0, 0.0);
        destroy_workspaces();
      });
  CHECK(sites >= 1);
  destroy_workspaces();
}
