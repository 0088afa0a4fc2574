// Every combination of learning, spill and allocation policy (and an initial size or not),
// tested for the arena size it reaches: ND4J's OVER_TIME with its default never sized the
// arena, and nobody noticed. The expected sizes are written out by hand from the contract.
#include <catch2/catch.hpp>
#include <optional>

#include "runtime/error.h"
#include "tests/support/strict_logging.h"
#include "workspace/workspace.h"

using namespace gyre;

namespace {
constexpr std::size_t kDemand = 3000;  // bytes each cycle asks for (one allocation)
constexpr std::size_t kStrict = 3072;  // 3000 aligned to 256
constexpr std::size_t kOver = 4096;    // 3000 × 1.3 = 3900, aligned to 256

// The arena size after three cycles of kDemand, or nullopt when the cycle must throw (FAIL).
std::optional<std::size_t> expected(LearningPolicy learning, SpillPolicy spill,
                                    AllocationPolicy allocation, std::size_t initial) {
  const std::size_t learned = allocation == AllocationPolicy::STRICT ? kStrict : kOver;
  switch (learning) {
    case LearningPolicy::NONE:
      // No learning: the initial size stays, unless REALLOCATE grows it; FAIL throws.
      if (spill == SpillPolicy::FAIL) return std::nullopt;
      return spill == SpillPolicy::REALLOCATE ? learned : initial;
    case LearningPolicy::FIRST_LOOP:
      // The first cycle spills (even under FAIL) and sizes the arena.
      return learned;
    case LearningPolicy::OVER_TIME:
      // Without an initial size the first cycles learn; with one, the arena is sized and a
      // cycle that does not fit throws under FAIL, else grows after one spilling cycle.
      if (initial > 0 && spill == SpillPolicy::FAIL) return std::nullopt;
      return learned;
  }
  return std::nullopt;
}
}  // namespace

TEST_CASE("every policy combination reaches the size the contract says", "[workspace][learning]") {
  testing::allow_warnings(100);
  for (LearningPolicy learning :
       {LearningPolicy::NONE, LearningPolicy::FIRST_LOOP, LearningPolicy::OVER_TIME}) {
    for (SpillPolicy spill : {SpillPolicy::EXTERNAL, SpillPolicy::REALLOCATE, SpillPolicy::FAIL}) {
      for (AllocationPolicy allocation :
           {AllocationPolicy::STRICT, AllocationPolicy::OVERALLOCATE}) {
        for (std::size_t initial : {std::size_t{0}, std::size_t{1024}}) {
          INFO("learning " << name_of(learning) << ", spill " << name_of(spill) << ", allocation "
                           << name_of(allocation) << ", initial_size " << initial);
          WorkspaceConfig config;
          config.learning = learning;
          config.spill = spill;
          config.allocation = allocation;
          config.initial_size = initial;
          Workspace workspace("MATRIX", config, Device::cpu());
          const std::optional<std::size_t> size = expected(learning, spill, allocation, initial);
          bool threw = false;
          for (int cycle = 0; cycle < 3; ++cycle) {
            workspace.enter();
            try {
              workspace.allocate(kDemand, 256, Stream());
            } catch (const WorkspaceError&) {
              threw = true;
            }
            workspace.leave();
          }
          CHECK(threw == !size.has_value());
          if (size) CHECK(workspace.statistics().arenas[0].reserved_bytes == *size);
        }
      }
    }
  }
}
