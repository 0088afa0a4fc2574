// [cuda] fault injection in pinned and device memory (issue 10): every pinned, then every
// device allocation of a CUDA training epoch fed from host data (so the prefetcher's pinned
// mirror and device ring are sites too) and of a CUDA inference step fails in turn. Each
// failure must reach the caller as a gyre::Error with no scope open, and the next call works.
#include <catch2/catch.hpp>
#include <memory>

#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "tests/support/fault_injection.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::nn;

namespace {
const Device kGpu = Device::cuda(0);

void destroy_workspaces() {
  WorkspaceManager::destroy_all_for_current_thread();
}
}  // namespace

TEST_CASE("a failed pinned or device allocation in a CUDA epoch reaches fit(), the next works",
          "[cuda][nn][faults]") {
  const Tensor features = testing::random_tensor({48, 6}, 1);
  Tensor labels = Tensor::empty_detached({48, 3});
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
          NetworkBuilder().input({6}).dense(5).dropout(0.1f).output(3).build(), kGpu);
      batches = std::make_unique<InMemoryIterator>(features, labels, 16, true, 2);
    };
    fresh();
    const int sites = testing::fail_each_allocation(
        fault_injection(kind, kGpu), kGpu, [&] { network->fit(*batches, 1); },
        [&] {
          network->fit(*batches, 1);  // the next call works
          CHECK(network->score() > 0.0);
          fresh();
        });
    CHECK(sites >= 1);
  }
  destroy_workspaces();
}

TEST_CASE("a failed device allocation in a CUDA inference step reaches output(), the next works",
          "[cuda][nn][faults]") {
  Network network(NetworkBuilder().input({6}).dense(5).output(3).build(), kGpu);
  const Tensor input = testing::random_tensor({4, 6}, 5, -1.0f, 1.0f, kGpu);
  const std::vector<double> expected = testing::values_of(network.output(input));
  destroy_workspaces();
  const int sites = testing::fail_each_allocation(
      fault_injection(MemoryKind::device, kGpu), kGpu, [&] { (void)network.output(input); },
      [&] {
        testing::require_close(network.output(input), expected, 0.0, 0.0);
        destroy_workspaces();
      });
  CHECK(sites >= 1);
  destroy_workspaces();
}
