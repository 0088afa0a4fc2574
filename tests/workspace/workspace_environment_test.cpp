// Hidden cases ([.]) run by CTest in processes with the environment variables set.
#include <catch2/catch.hpp>

#include "runtime/lifetime.h"
#include "runtime/tensor.h"
#include "workspace/debug_mode.h"
#include "workspace/workspace_manager.h"

using namespace gyre;

TEST_CASE("GYRE_WORKSPACE_DEBUG=BYPASS_EVERYTHING turns workspaces off", "[.env-bypass]") {
  CHECK(debug_mode() == DebugMode::BYPASS_EVERYTHING);
  WorkspaceScope scope = WorkspaceManager::current().activate("WS_ENV");
  CHECK(Tensor::empty({16}).is_detached());
}

TEST_CASE("GYRE_WORKSPACE_DEBUG=SPILL_EVERYTHING spills every allocation", "[.env-spill]") {
  CHECK(debug_mode() == DebugMode::SPILL_EVERYTHING);
  {
    WorkspaceScope scope = WorkspaceManager::current().activate("WS_ENV");
    CHECK(Tensor::empty({16}).is_attached());
    CHECK(Tensor::empty({16}).is_attached());
  }
  CHECK(WorkspaceManager::current().get("WS_ENV")->statistics().arenas[0].spill_count == 2);
}

TEST_CASE("GYRE_WORKSPACE_VALIDATION=0 turns the stale-tensor check off", "[.env-no-validation]") {
  CHECK_FALSE(workspace_validation_enabled());
  Tensor stale;
  {
    WorkspaceScope scope = WorkspaceManager::current().activate("WS_ENV");
    stale = Tensor::empty({16});
  }
  CHECK_FALSE(stale.is_valid());
  CHECK_NOTHROW(stale.data_ptr());
}

TEST_CASE("validation and debug modes are on and off by default", "[workspace][debug]") {
  CHECK(workspace_validation_enabled());
  CHECK(debug_mode() == DebugMode::DISABLED);
}
