// A bounded training soak: a small network trained for GYRE_SOAK_SECONDS (10 by
// default), re-created every round and fit() called again and again; in the second test the
// thread's workspaces are also destroyed every round. RSS, workspace bytes and the number
// of workspace lifetime records and timeline names must be flat after the warm-up.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>

#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/resident_memory.h"
#include "workspace/memory_timeline.h"
#include "workspace/workspace_lifetime.h"
#include "workspace/workspace_manager.h"
#include "workspace/workspace_registry.h"

using namespace gyre;
using namespace gyre::nn;

namespace {

double soak_seconds() {
  const char* configured = std::getenv("GYRE_SOAK_SECONDS");
  return configured != nullptr ? std::atof(configured) : 10.0;
}

// Trains fresh networks round after round for `seconds`; with `destroy_workspaces`, the
// thread's workspaces (and so their lifetime records) go at the end of every round too.
void soak(double seconds, bool destroy_workspaces) {
  const Tensor features = testing::random_tensor({512, 32}, 1);
  Tensor labels = Tensor::empty_detached({512, 4});
  for (int r = 0; r < 512; ++r) {
    for (int c = 0; c < 4; ++c) labels.data<float>()[r * 4 + c] = r % 4 == c ? 1.0f : 0.0f;
  }
  const NetworkConfig config =
      NetworkBuilder().input({32}).dense(64).dropout(0.1f).dense(32).output(4).build();
  InMemoryIterator batches(features, labels, 32, true, 3);
  // One round: a fresh network and 5 fit() calls on this thread's workspaces.
  auto round = [&] {
    std::size_t workspace_bytes = 0;
    {
      Network network(config);
      for (int call = 0; call < 5; ++call) network.fit(batches, 1);
      CHECK(std::isfinite(network.score()));
      workspace_bytes = WorkspaceRegistry::instance().reserved_bytes(Device::cpu());
    }
    if (destroy_workspaces) {
      WorkspaceManager::destroy_all_for_current_thread();
      CHECK(WorkspaceRegistry::instance().reserved_bytes(Device::cpu()) == 0);
    }
    return workspace_bytes;
  };
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::size_t rounds = 0, rss_warm = 0, workspace_warm = 0, records_warm = 0, names_warm = 0;
  while (elapsed() < seconds) {
    const std::size_t workspace = round();
    ++rounds;
    if (rss_warm == 0 && elapsed() >= seconds * 0.25) {
      rss_warm = testing::resident_kib();
      workspace_warm = workspace;
      records_warm = WorkspaceLifetime::records_created();
      names_warm = MemoryTimeline::instance().names();
    } else if (rss_warm != 0) {
      CHECK(workspace == workspace_warm);  // each round learns the same sizes
      CHECK(WorkspaceLifetime::records_created() == records_warm);
      CHECK(MemoryTimeline::instance().names() == names_warm);
    }
  }
  const std::size_t rss_end = testing::resident_kib();
  WorkspaceManager::destroy_all_for_current_thread();
  INFO(rounds << " rounds, RSS " << rss_warm << " -> " << rss_end << " KiB, "
              << WorkspaceLifetime::records_created() << " lifetime records");
  CHECK(rounds >= 10);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  CHECK(rss_end <= rss_warm + 2048);
#endif
}

}  // namespace

TEST_CASE("soak: networks re-created and fit() repeated keep memory flat", "[nn][soak]") {
  soak(soak_seconds(), false);
}

TEST_CASE("soak: workspaces destroyed and re-created every round keep memory flat", "[nn][soak]") {
  soak(soak_seconds(), true);
}
