// The examples of docs/workspaces.md, compiled and run, so that the guide matches the code.
#include <catch2/catch.hpp>
#include <sstream>

#include "runtime/error.h"
#include "runtime/tensor.h"
#include "workspace/workspace_manager.h"

TEST_CASE("the user guide's scope example", "[workspace][guide]") {
  gyre::WorkspaceManager::destroy_all_for_current_thread();
  gyre::WorkspaceConfig config;
  gyre::Tensor escaped;
  for (int iteration = 0; iteration < 100; ++iteration) {
    gyre::WorkspaceScope scope = gyre::WorkspaceManager::current().activate("WS_LOOP", config);
    gyre::Tensor x = gyre::Tensor::empty({64, 256});
    CHECK(x.is_attached());
    escaped = x;
  }
  CHECK_THROWS_WITH(
      escaped.data_ptr(),
      Catch::Matchers::Contains("tensor [64, 256] f32 from workspace 'WS_LOOP' (cpu:0, thread ") &&
          Catch::Matchers::Contains("belongs to cycle 99, which ended"));
  std::ostringstream table;
  gyre::WorkspaceManager::current().print_allocation_statistics(table);
  CHECK_THAT(table.str(), Catch::Matchers::Contains("WS_LOOP"));
  // The arena learned one cycle's demand plus the overallocation (the default 30 %).
  const std::size_t demand = 64 * 256 * sizeof(float);
  const gyre::WorkspaceStatistics statistics =
      gyre::WorkspaceManager::current().get("WS_LOOP")->statistics();
  CHECK(statistics.arenas[0].learned_size == config.learned_size(demand));
  CHECK(statistics.arenas[0].learned_size >= demand + demand * 3 / 10);
  gyre::WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("the user guide's detach, leverage and scope-out example", "[workspace][guide]") {
  gyre::WorkspaceManager::destroy_all_for_current_thread();
  gyre::WorkspaceManager& manager = gyre::WorkspaceManager::current();
  gyre::Tensor kept_forever, kept_for_outer;
  {
    gyre::WorkspaceScope outer = manager.activate("WS_OUTER");
    {
      gyre::WorkspaceScope inner = manager.activate("WS_INNER");
      gyre::Tensor result = gyre::Tensor::empty({10});
      kept_forever = result.detach();
      kept_for_outer = result.leverage_to("WS_OUTER");
      {
        gyre::WorkspaceScope out = manager.scope_out();
        gyre::Tensor loose = gyre::Tensor::empty({10});
        CHECK(loose.is_detached());
      }
    }
    CHECK(kept_for_outer.is_valid());
  }
  CHECK_FALSE(kept_for_outer.is_valid());
  CHECK(kept_forever.is_valid());
  gyre::WorkspaceManager::destroy_all_for_current_thread();
}
