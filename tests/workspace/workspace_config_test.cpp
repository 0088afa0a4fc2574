#include "workspace/workspace_config.h"

#include <catch2/catch.hpp>

#include "runtime/error.h"
#include "workspace/workspace.h"

using namespace gyre;
using Catch::Matchers::Contains;

TEST_CASE("the default config is the contract's table", "[workspace][config]") {
  const WorkspaceConfig config;
  CHECK(config.initial_size == 0);
  CHECK(config.max_size == 0);
  CHECK(config.overallocation == 0.3);
  CHECK(config.learning == LearningPolicy::FIRST_LOOP);
  CHECK(config.cycles_before_resize == 1);
  CHECK(config.allocation == AllocationPolicy::OVERALLOCATE);
  CHECK(config.spill == SpillPolicy::EXTERNAL);
  CHECK(config.reset == ResetPolicy::AT_SCOPE_EXIT);
  CHECK(config.mirroring == MirroringPolicy::DEVICE_ONLY);
  CHECK(config.min_size == 0);
  CHECK(config.location == LocationPolicy::RAM);
  CHECK(config.alignment == 256);
  CHECK_NOTHROW(config.validate("W", Device::cpu()));
}

TEST_CASE("contradictory or negative settings are refused, never fixed", "[workspace][config]") {
  auto refused = [](WorkspaceConfig config, const char* words) {
    CHECK_THROWS_AS(config.validate("WS_X", Device::cpu()), WorkspaceError);
    CHECK_THROWS_WITH(config.validate("WS_X", Device::cpu()),
                      Contains("'WS_X'") && Contains(words));
    CHECK_THROWS_AS(Workspace("WS_X", config, Device::cpu()), WorkspaceError);
  };
  WorkspaceConfig config;
  config.alignment = 48;
  refused(config, "alignment 48");
  config = {};
  config.alignment = 0;
  refused(config, "alignment 0");
  config = {};
  config.alignment = 64;  // below the 256 bytes every tensor is given: it would be ignored
  refused(config, "alignment 64 is below 256");
  config = {};
  config.initial_size = 2048;
  config.max_size = 1024;
  refused(config, "initial_size 2048 exceeds max_size 1024");
  config = {};
  config.min_size = 4096;
  config.max_size = 1024;
  refused(config, "min_size 4096");
  config = {};
  config.overallocation = -0.5;
  refused(config, "overallocation -0.5");
  config = {};
  config.cycles_before_resize = 0;
  refused(config, "cycles_before_resize 0");
  config = {};
  config.location = LocationPolicy::MMAP;
  config.initial_size = 4096;
  refused(config, "requires learning NONE");
  config.learning = LearningPolicy::NONE;
  config.initial_size = 0;
  refused(config, "initial_size > 0");
  config = {};
  config.mirroring = MirroringPolicy::DEVICE_AND_PINNED_HOST;
  refused(config, "needs an accelerator");
  config.reset = ResetPolicy::CYCLIC;
  CHECK_THROWS_WITH(config.validate("R", Device::cuda(0)), Contains("two workspaces"));
  config = {};
  config.location = LocationPolicy::MMAP;
  config.learning = LearningPolicy::NONE;
  config.initial_size = 4096;
  CHECK_THROWS_WITH(config.validate("M", Device::cuda(0)), Contains("CPU workspaces only"));
}

TEST_CASE("the learned size applies overallocation, floor, cap and alignment",
          "[workspace][config]") {
  WorkspaceConfig config;
  CHECK(config.learned_size(1000) == 1536);  // 1300 aligned up to 256
  config.allocation = AllocationPolicy::STRICT;
  CHECK(config.learned_size(1000) == 1024);
  config.min_size = 8192;
  CHECK(config.learned_size(1000) == 8192);
  config.min_size = 0;
  config.max_size = 1000;
  CHECK(config.learned_size(5000) == 768);  // the cap, aligned down
  config = {};
  config.overallocation = 1.0;
  CHECK(config.learned_size(1024) == 2048);
}
