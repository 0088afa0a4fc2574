// Fault injection: every host allocation of a training epoch (the prefetcher's
// included) and of an inference step is failed in turn. Each failure must reach the caller
// as a gyre::Error, leave no workspace scope open, and the next call must work. Run under
// AddressSanitizer (leaks) and ThreadSanitizer in CI.
#include "tests/support/fault_injection.h"

#include <catch2/catch.hpp>

#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "runtime/fault_injecting_resource.h"
#include "tests/support/kernel_testing.h"
#include "workspace/workspace_manager.h"

using namespace gyre;
using namespace gyre::nn;

namespace {
struct Data {
  Tensor features = testing::random_tensor({48, 6}, 1);
  Tensor labels = Tensor::empty_detached({48, 3});
  Data() {
    for (int r = 0; r < 48; ++r) {
      for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c ? 1.0f : 0.0f;
    }
  }
};

}  // namespace

TEST_CASE("a failed allocation anywhere in a training epoch reaches fit() and the next works",
          "[nn][faults][threads]") {
  const Data data;
  for (WorkspaceMode mode : {WorkspaceMode::SEPARATE, WorkspaceMode::NONE}) {
    INFO("mode " << name_of(mode));
    std::unique_ptr<Network> network;
    std::unique_ptr<InMemoryIterator> batches;
    auto fresh = [&] {  // new workspaces every run: creation and learning are sites too
      WorkspaceManager::destroy_all_for_current_thread();
      network = std::make_unique<Network>(NetworkBuilder()
                                              .input({6})
                                              .dense(5)
                                              .dropout(0.1f)
                                              .output(3)
                                              .workspace_modes(mode, mode)
                                              .build());
      batches = std::make_unique<InMemoryIterator>(data.features, data.labels, 16, true, 2);
    };
    fresh();
    const int sites = testing::fail_each_allocation(
        fault_injection(MemoryKind::host), Device::cpu(), [&] { network->fit(*batches, 1); },
        [&] {
          network->fit(*batches, 1);  // the next call works
          CHECK(network->score() > 0.0);
          fresh();
        });
    CHECK(sites >= 3);  // detached memory is cached: NONE has few sites after the first
  }
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("a failed allocation anywhere in an inference step reaches output() and the next works",
          "[nn][faults][threads]") {
  Network network(NetworkBuilder().input({6}).dense(5).output(3).build());
  const Tensor input = testing::random_tensor({4, 6}, 5);
  const std::vector<double> expected = testing::values_of(network.output(input));
  WorkspaceManager::destroy_all_for_current_thread();
  const int sites = testing::fail_each_allocation(
      fault_injection(MemoryKind::host), Device::cpu(), [&] { (void)network.output(input); },
      [&] {
        testing::require_close(network.output(input), expected, 0.0, 0.0);
        WorkspaceManager::destroy_all_for_current_thread();
      });
  CHECK(sites > 1);
  WorkspaceManager::destroy_all_for_current_thread();
}
