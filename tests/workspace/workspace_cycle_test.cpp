// Allocation, cycles, spills and learning of a single workspace (WORKSPACES.md,
// "Allocation and reset" and the configuration table).
#include <catch2/catch.hpp>
#include <cstdint>
#include <utility>

#include "runtime/error.h"
#include "runtime/lifetime.h"
#include "runtime/log.h"
#include "runtime/statistics_resource.h"
#include "tests/support/strict_logging.h"
#include "workspace/debug_mode.h"
#include "workspace/workspace.h"

using namespace gyre;
using Catch::Matchers::Contains;

namespace {

// A CPU workspace over a counting host resource.
struct CountedWorkspace {
  HostMemoryResource host;
  StatisticsResource counted{host};
  WorkspaceResources resources() {
    WorkspaceResources result = WorkspaceResources::make_default(Device::cpu());
    result.primary = &counted;
    return result;
  }
};

// One cycle that allocates `sizes` (bytes each).
template <typename... Sizes>
void run_cycle(Workspace& workspace, Sizes... sizes) {
  workspace.enter();
  (workspace.allocate(static_cast<std::size_t>(sizes), 256, Stream()), ...);
  workspace.leave();
}

std::uintptr_t address(const ScopedAllocation& allocation) {
  return reinterpret_cast<std::uintptr_t>(allocation.data);
}

}  // namespace

TEST_CASE("allocation is a bump on aligned offsets, and the arena is reused every cycle",
          "[workspace][cycle]") {
  WorkspaceConfig config;
  config.initial_size = 4096;
  config.learning = LearningPolicy::NONE;
  Workspace workspace("W", config, Device::cpu());
  std::uintptr_t first_cycle[3] = {};
  for (int cycle = 0; cycle < 3; ++cycle) {
    workspace.enter();
    const ScopedAllocation a = workspace.allocate(100, 256, Stream());
    const ScopedAllocation b = workspace.allocate(10, 256, Stream());
    const ScopedAllocation c = workspace.allocate(300, 64, Stream());
    CHECK(address(b) - address(a) == 256);
    CHECK(address(c) - address(b) == 256);
    CHECK(address(a) % 256 == 0);
    CHECK(a.epoch == workspace.epoch_of(static_cast<std::uint64_t>(cycle)));
    if (cycle == 0) {
      first_cycle[0] = address(a);
      first_cycle[1] = address(b);
      first_cycle[2] = address(c);
    } else {
      CHECK(address(a) == first_cycle[0]);  // the same addresses every cycle
      CHECK(address(b) == first_cycle[1]);
      CHECK(address(c) == first_cycle[2]);
    }
    CHECK(workspace.statistics().arenas[0].allocated_bytes_current == 812);
    workspace.leave();
  }
  const WorkspaceStatistics statistics = workspace.statistics();
  CHECK(statistics.cycles == 3);
  CHECK(statistics.arenas[0].allocation_count == 9);
  CHECK(statistics.arenas[0].spill_count == 0);
  CHECK(statistics.arenas[0].allocated_bytes_peak == 812);
  CHECK(statistics.arenas[0].allocated_bytes_current == 0);
}

TEST_CASE("a tensor is valid until its cycle ends, then says which and what to do",
          "[workspace][cycle]") {
  WorkspaceConfig config;
  config.initial_size = 1 << 20;
  config.learning = LearningPolicy::NONE;
  Workspace workspace("WS_LAYER_ACT", config, Device::cpu());
  for (int cycle = 0; cycle < 17; ++cycle) run_cycle(workspace, 64);
  workspace.enter();
  const ScopedAllocation allocation = workspace.allocate(64 * 256 * 4, 256, Stream());
  REQUIRE(allocation.lifetime != nullptr);
  CHECK(allocation.lifetime->is_live(allocation.epoch));
  workspace.leave();
  CHECK_FALSE(allocation.lifetime->is_live(allocation.epoch));
  const std::string message = allocation.lifetime->describe_stale(allocation.epoch);
  CHECK_THAT(message,
             Contains("from workspace 'WS_LAYER_ACT' (cpu:0, thread ") &&
                 Contains("belongs to cycle 17, which ended; call detach() or leverage_to() "
                          "before leaving the scope"));
  workspace.enter();  // a new cycle does not revive the old one
  CHECK_FALSE(allocation.lifetime->is_live(allocation.epoch));
  workspace.leave();
}

TEST_CASE("re-entering an open workspace is a borrow: no new cycle", "[workspace][cycle]") {
  Workspace workspace("W", WorkspaceConfig{}, Device::cpu());
  workspace.enter();
  const ScopedAllocation outer = workspace.allocate(32, 256, Stream());
  workspace.enter();
  CHECK(workspace.depth() == 2);
  const ScopedAllocation inner = workspace.allocate(32, 256, Stream());
  CHECK(inner.epoch == outer.epoch);
  workspace.leave();
  CHECK(outer.lifetime->is_live(outer.epoch));  // still the same cycle
  CHECK(workspace.cycle() == 0);
  workspace.leave();
  CHECK_FALSE(outer.lifetime->is_live(outer.epoch));
  CHECK(workspace.cycle() == 1);
}

TEST_CASE("allocating outside a scope is an error naming the workspace", "[workspace][cycle]") {
  Workspace workspace("WS_CLOSED", WorkspaceConfig{}, Device::cpu());
  CHECK_THROWS_AS(workspace.allocate(16, 256, Stream()), WorkspaceError);
  CHECK_THROWS_WITH(workspace.allocate(16, 256, Stream()),
                    Contains("'WS_CLOSED'") && Contains("not open"));
  workspace.enter();
  CHECK_THROWS_AS(workspace.allocate(16, 100, Stream()), InvalidArgumentError);
  CHECK_THROWS_AS(workspace.allocate(16, MemoryKind::pinned_host, 256, Stream()), WorkspaceError);
  workspace.leave();
}

TEST_CASE("FIRST_LOOP spills the first cycle, then sizes the arena from it",
          "[workspace][learning]") {
  CountedWorkspace memory;
  Workspace workspace("W", WorkspaceConfig{}, memory.resources());
  run_cycle(workspace, 1000, 3000);  // demand 1024 + 3000 = 4024
  WorkspaceStatistics statistics = workspace.statistics();
  CHECK(statistics.arenas[0].spill_count == 2);
  CHECK(statistics.arenas[0].requested_bytes_peak == 4024);
  CHECK(statistics.arenas[0].learned_size == WorkspaceConfig{}.learned_size(4024));
  CHECK(statistics.arenas[0].reserved_bytes == 5376);  // 4024 × 1.3 = 5231.2, aligned to 256
  const auto calls_after_learning = memory.counted.statistics().allocation_count;
  for (int i = 0; i < 10; ++i) run_cycle(workspace, 1000, 3000);
  CHECK(memory.counted.statistics().allocation_count == calls_after_learning);  // steady state
  CHECK(workspace.statistics().arenas[0].spill_count == 2);
  CHECK(workspace.statistics().spilling_cycles == 1);
}

TEST_CASE("FIRST_LOOP with an initial size learns only when the first cycle outgrew it",
          "[workspace][learning]") {
  WorkspaceConfig config;
  config.initial_size = 8192;
  Workspace roomy("R", config, Device::cpu());
  run_cycle(roomy, 1000);
  CHECK(roomy.statistics().arenas[0].reserved_bytes == 8192);
  CHECK(roomy.statistics().arenas[0].spill_count == 0);
  Workspace small("S", config, Device::cpu());
  run_cycle(small, 6000, 6000);
  CHECK(small.statistics().arenas[0].spill_count == 1);
  CHECK(small.statistics().arenas[0].reserved_bytes == config.learned_size(6144 + 6000));
  run_cycle(small, 20000);  // learning is over: later cycles spill (EXTERNAL) and stay
  CHECK(small.statistics().arenas[0].reserved_bytes == config.learned_size(6144 + 6000));
}

TEST_CASE("learning NONE keeps the initial size and spills the rest", "[workspace][learning]") {
  WorkspaceConfig config;
  config.learning = LearningPolicy::NONE;
  config.initial_size = 1024;
  Workspace workspace("W", config, Device::cpu());
  run_cycle(workspace, 512, 512, 512);  // 512 + 512 fit; the third spills
  const WorkspaceStatistics statistics = workspace.statistics();
  CHECK(statistics.arenas[0].reserved_bytes == 1024);
  CHECK(statistics.arenas[0].allocation_count == 2);
  CHECK(statistics.arenas[0].spill_count == 1);
  CHECK(statistics.arenas[0].spilled_bytes == 512);
  WorkspaceConfig none;
  none.learning = LearningPolicy::NONE;
  Workspace empty("E", none, Device::cpu());
  run_cycle(empty, 100);
  CHECK(empty.statistics().arenas[0].reserved_bytes == 0);  // NONE with no initial size: all spills
}

TEST_CASE("OVER_TIME sizes after cycles_before_resize spilling cycles, to the peak seen",
          "[workspace][learning]") {
  testing::allow_warnings(3);  // long runs of spilling cycles warn, as they should
  for (int cycles : {1, 2, 5}) {
    WorkspaceConfig config;
    config.learning = LearningPolicy::OVER_TIME;
    config.cycles_before_resize = cycles;
    config.allocation = AllocationPolicy::STRICT;
    Workspace workspace("W", config, Device::cpu());
    for (int i = 0; i < cycles - 1; ++i) {
      run_cycle(workspace, 1000 * (i + 1));
      CHECK(workspace.statistics().arenas[0].reserved_bytes == 0);
    }
    run_cycle(workspace, 500);
    const std::size_t peak = cycles == 1 ? 500 : static_cast<std::size_t>(1000 * (cycles - 1));
    CHECK(workspace.statistics().arenas[0].reserved_bytes == config.learned_size(peak));
    // A larger demand later spills again and, after as many cycles, grows again.
    for (int i = 0; i < cycles; ++i) run_cycle(workspace, 100000);
    CHECK(workspace.statistics().arenas[0].reserved_bytes == config.learned_size(100000));
  }
}

TEST_CASE("REALLOCATE spills now and grows the arena for the next cycle", "[workspace][spill]") {
  WorkspaceConfig config;
  config.learning = LearningPolicy::NONE;
  config.initial_size = 1024;
  config.spill = SpillPolicy::REALLOCATE;
  config.allocation = AllocationPolicy::STRICT;
  Workspace workspace("W", config, Device::cpu());
  run_cycle(workspace, 1024, 2000);
  CHECK(workspace.statistics().arenas[0].spill_count == 1);
  CHECK(workspace.statistics().arenas[0].reserved_bytes == config.learned_size(3024));
  run_cycle(workspace, 1024, 2000);
  CHECK(workspace.statistics().arenas[0].spill_count == 1);
  CHECK(workspace.statistics().arenas[0].resize_count == 2);
}

TEST_CASE("max_size caps growth: beyond it, allocations spill", "[workspace][spill]") {
  WorkspaceConfig config;
  config.max_size = 4096;
  config.spill = SpillPolicy::REALLOCATE;
  Workspace workspace("W", config, Device::cpu());
  run_cycle(workspace, 10000);
  CHECK(workspace.statistics().arenas[0].reserved_bytes == 4096);
  run_cycle(workspace, 10000);
  CHECK(workspace.statistics().arenas[0].reserved_bytes == 4096);
  CHECK(workspace.statistics().arenas[0].spill_count == 2);
}

TEST_CASE(
    "FAIL throws with the request, the arena, the offset, the largest request and free memory",
    "[workspace][spill]") {
  WorkspaceConfig config;
  config.learning = LearningPolicy::NONE;
  config.initial_size = 2048;
  config.spill = SpillPolicy::FAIL;
  Workspace workspace("WS_FULL", config, Device::cpu());
  workspace.enter();
  workspace.allocate(1500, 256, Stream());
  CHECK_THROWS_AS(workspace.allocate(1000, 256, Stream()), WorkspaceError);
  CHECK_THROWS_WITH(workspace.allocate(1000, 256, Stream()),
                    Contains("'WS_FULL'") && Contains("request of 1000 bytes") &&
                        Contains("arena of 2048 bytes at offset 1500") &&
                        Contains("largest request this cycle was 1500 bytes") &&
                        Contains("bytes free") && Contains("FAIL"));
  workspace.leave();
  // FAIL does not apply to the learning cycle of FIRST_LOOP: it spills to learn.
  WorkspaceConfig learning;
  learning.spill = SpillPolicy::FAIL;
  Workspace learner("L", learning, Device::cpu());
  CHECK_NOTHROW(run_cycle(learner, 3000));
  learner.enter();
  CHECK_NOTHROW(learner.allocate(3000, 256, Stream()));
  CHECK_THROWS_AS(learner.allocate(3000, 256, Stream()), WorkspaceError);
  learner.leave();
}

TEST_CASE("a workspace that spills every cycle warns once with the size it needs",
          "[workspace][spill]") {
  WorkspaceConfig config;
  config.learning = LearningPolicy::NONE;
  config.initial_size = 256;
  Workspace workspace("WS_SMALL", config, Device::cpu());
  testing::allow_warnings(1);
  const auto before = log::warning_count();
  for (int i = 0; i < 10; ++i) run_cycle(workspace, 4096);
  CHECK(log::warning_count() == before + 1);
}

TEST_CASE("trim shrinks an arena that outgrew its need and reports its learned size",
          "[workspace][trim]") {
  WorkspaceConfig config;
  config.spill = SpillPolicy::REALLOCATE;
  config.allocation = AllocationPolicy::STRICT;
  Workspace workspace("WS_OUTLIER", config, Device::cpu());
  run_cycle(workspace, 1 << 20);  // one outlier cycle
  CHECK(workspace.statistics().arenas[0].reserved_bytes == 1 << 20);
  workspace.trim();  // forget the outlier's period
  for (int i = 0; i < 5; ++i) run_cycle(workspace, 4096);
  CHECK(workspace.statistics().arenas[0].reserved_bytes == 1 << 20);
  CHECK(workspace.trim() == (1 << 20) - 4096);
  CHECK(workspace.statistics().arenas[0].reserved_bytes == 4096);
  CHECK(workspace.learned_size(MemoryKind::host) == 4096);
  run_cycle(workspace, 4096);
  CHECK(workspace.statistics().arenas[0].spill_count == 1);  // only the outlier spilled
  workspace.enter();
  CHECK_THROWS_AS(workspace.trim(), WorkspaceError);
  workspace.leave();
}

TEST_CASE("SPILL_EVERYTHING makes every allocation real and frees it at cycle end",
          "[workspace][debug]") {
  CountedWorkspace memory;
  WorkspaceConfig config;
  config.initial_size = 1 << 16;
  config.learning = LearningPolicy::NONE;
  Workspace workspace("W", config, memory.resources());
  set_debug_mode(DebugMode::SPILL_EVERYTHING);
  workspace.enter();
  const ScopedAllocation a = workspace.allocate(100, 256, Stream());
  const ScopedAllocation b = workspace.allocate(100, 256, Stream());
  CHECK(memory.counted.statistics().current_count == 3);  // arena + two spills
  CHECK(a.lifetime != nullptr);                           // still attached: validation works
  workspace.leave();
  set_debug_mode(DebugMode::DISABLED);
  CHECK(memory.counted.statistics().current_count == 1);
  CHECK(workspace.statistics().arenas[0].allocation_count == 0);
  CHECK(workspace.statistics().arenas[0].spill_count == 2);
  (void)b;
}

TEST_CASE("BYPASS_EVERYTHING hands out nothing, so tensors are detached", "[workspace][debug]") {
  Workspace workspace("W", WorkspaceConfig{}, Device::cpu());
  set_debug_mode(DebugMode::BYPASS_EVERYTHING);
  workspace.enter();
  const ScopedAllocation allocation = workspace.allocate(100, 256, Stream());
  workspace.leave();
  set_debug_mode(DebugMode::DISABLED);
  CHECK(allocation.data == nullptr);
  CHECK(workspace.statistics().arenas[0].spill_count == 0);
}

TEST_CASE("a leave() without enter() is logged and ignored", "[workspace][cycle]") {
  Workspace workspace("W", WorkspaceConfig{}, Device::cpu());
  testing::allow_warnings(1);
  workspace.leave();
  CHECK(workspace.depth() == 0);
  CHECK(workspace.cycle() == 0);
}

TEST_CASE("a learned growth keeps the arena's addresses; giving memory back moves it",
          "[workspace][cycle]") {
  WorkspaceConfig config;
  config.learning = LearningPolicy::FIRST_LOOP;
  config.initial_size = 1024;
  const std::uint64_t before = Workspace::arena_moves(Device::cpu());
  {
    Workspace workspace("MOVES", config, Device::cpu());
    CHECK(Workspace::arena_moves(Device::cpu()) == before);  // a first arena moves nothing
    auto cycle = [&] {
      workspace.enter();
      void* small = workspace.allocate(512, 256, Stream()).data;
      void* large = workspace.allocate(4096, 256, Stream()).data;
      workspace.leave();
      return std::make_pair(small, large);
    };
    const auto [base, spilled] = cycle();  // the large one spills: the cycle end grows the arena
    CHECK(workspace.statistics().arenas[0].spill_count == 1);
    for (int round = 0; round < 3; ++round) {  // grown in place: same base, nothing spills
      const auto [small, large] = cycle();
      CHECK(small == base);
      CHECK(large == static_cast<char*>(base) + 512);
    }
    CHECK(workspace.statistics().arenas[0].spill_count == 1);
    CHECK(Workspace::arena_moves(Device::cpu()) == before);
    workspace.trim();  // the learned size fits: nothing to give back
    CHECK(Workspace::arena_moves(Device::cpu()) == before);
    CHECK(workspace.trim() > 0);  // no cycle since the last trim: all of it goes back
    CHECK(Workspace::arena_moves(Device::cpu()) == before + 1);
    CHECK(workspace.statistics().arenas[0].reserved_bytes == 0);
    (void)cycle();  // learns again, and grows at the same addresses
    CHECK(cycle().first == base);
  }
  CHECK(Workspace::arena_moves(Device::cpu()) == before + 2);  // destruction frees it
}
