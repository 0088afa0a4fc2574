// The per-thread manager: scopes, nesting, borrowing, scope_out, destruction, exceptions,
// thread exit and the process-wide registry (WORKSPACES.md, "Manager" and "Lessons").
#include "workspace/workspace_manager.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "runtime/error.h"
#include "runtime/tensor.h"
#include "tests/support/strict_logging.h"
#include "workspace/workspace_lifetime.h"
#include "workspace/workspace_registry.h"

using namespace gyre;
using Catch::Matchers::Contains;

namespace {
// Each test starts and ends with no workspace on this thread.
struct CleanThread {
  CleanThread() { WorkspaceManager::destroy_all_for_current_thread(); }
  ~CleanThread() { WorkspaceManager::destroy_all_for_current_thread(); }
};
}  // namespace

TEST_CASE("activate returns a scope that makes the workspace current", "[workspace][manager]") {
  CleanThread clean;
  WorkspaceManager& manager = WorkspaceManager::current();
  CHECK(manager.current_workspace() == nullptr);
  {
    WorkspaceScope scope = manager.activate("WS_A");
    REQUIRE(scope.workspace() != nullptr);
    CHECK(manager.current_workspace() == scope.workspace());
    CHECK(scope->is_open());
    Tensor tensor = Tensor::empty({8, 8});
    CHECK(tensor.is_attached());
    CHECK(scope->owns(tensor.lifetime()));
  }
  CHECK(manager.current_workspace() == nullptr);
  CHECK(manager.exists("WS_A"));
  CHECK_FALSE(manager.get("WS_A")->is_open());
  CHECK(Tensor::empty({8, 8}).is_detached());
}

TEST_CASE("nested workspaces stack, and closing restores the outer one", "[workspace][manager]") {
  CleanThread clean;
  WorkspaceManager& manager = WorkspaceManager::current();
  WorkspaceScope outer = manager.activate("OUTER");
  Tensor in_outer = Tensor::empty({4});
  {
    WorkspaceScope inner = manager.activate("INNER");
    Tensor in_inner = Tensor::empty({4});
    CHECK(inner->owns(in_inner.lifetime()));
    CHECK(manager.current_workspace() == inner.workspace());
  }
  CHECK(manager.current_workspace() == outer.workspace());
  CHECK(in_outer.is_valid());
  CHECK(outer->owns(Tensor::empty({4}).lifetime()));
}

TEST_CASE("an existing workspace must be activated with the same config", "[workspace][manager]") {
  CleanThread clean;
  WorkspaceManager& manager = WorkspaceManager::current();
  WorkspaceConfig config;
  config.initial_size = 4096;
  { WorkspaceScope scope = manager.activate("W", config); }
  { WorkspaceScope scope = manager.activate("W", config); }
  { WorkspaceScope scope = manager.activate("W"); }  // by id alone: whatever it was created with
  WorkspaceConfig other = config;
  other.initial_size = 8192;
  CHECK_THROWS_AS(manager.activate("W", other), WorkspaceError);
  CHECK_THROWS_WITH(manager.activate("W", other),
                    Contains("'W'") && Contains("another configuration"));
  CHECK(manager.open_scopes() == 0);
}

TEST_CASE("destroying a workspace with an open scope is an error", "[workspace][manager]") {
  CleanThread clean;
  WorkspaceManager& manager = WorkspaceManager::current();
  Tensor kept;
  {
    WorkspaceScope scope = manager.activate("WS_BUSY");
    kept = Tensor::empty({2, 2});
    CHECK_THROWS_AS(manager.destroy("WS_BUSY"), WorkspaceError);
    CHECK_THROWS_WITH(manager.destroy("WS_BUSY"), Contains("'WS_BUSY'") && Contains("open"));
    CHECK_THROWS_AS(WorkspaceManager::destroy_all_for_current_thread(), WorkspaceError);
  }
  manager.destroy("WS_BUSY");
  CHECK_FALSE(manager.exists("WS_BUSY"));
  CHECK_THROWS_WITH(manager.destroy("WS_BUSY"), Contains("no workspace"));
  // A tensor of a destroyed workspace is detected, with words that say so.
  CHECK_THROWS_AS(kept.data_ptr(), WorkspaceError);
  CHECK_THROWS_WITH(kept.data_ptr(),
                    Contains("[2, 2] f32") && Contains("'WS_BUSY'") && Contains("was destroyed"));
}

TEST_CASE("a destroyed workspace's lifetime record serves the next one; old tensors stay stale",
          "[workspace][manager]") {
  CleanThread clean;
  WorkspaceManager& manager = WorkspaceManager::current();
  Tensor from_old;
  const Lifetime* old_record = nullptr;
  for (int cycle = 0; cycle < 3; ++cycle) {
    WorkspaceScope scope = manager.activate("WS_OLD");
    from_old = Tensor::empty({2, 3});
    old_record = from_old.lifetime();
  }
  manager.destroy("WS_OLD");
  const std::size_t records = WorkspaceLifetime::records_created();
  Tensor from_new;
  for (int cycle = 0; cycle < 2; ++cycle) {
    WorkspaceScope scope = manager.activate("WS_NEW");
    from_new = Tensor::empty({4});
    CHECK(from_new.lifetime() == old_record);  // the record was reused, not a new one made
    CHECK(from_new.epoch() > from_old.epoch());
    CHECK_NOTHROW(from_new.data_ptr());
    // The old owner's tensor stays stale while the record serves the new workspace, and its
    // error still names the old workspace.
    CHECK_FALSE(from_old.is_valid());
    CHECK_THROWS_WITH(from_old.data_ptr(),
                      Contains("[2, 3] f32") && Contains("'WS_OLD'") && Contains("destroyed"));
  }
  CHECK(WorkspaceLifetime::records_created() == records);
  CHECK_THROWS_WITH(from_new.data_ptr(),
                    Contains("'WS_NEW'") && Contains("cycle 1") && Contains("which ended"));
  manager.destroy("WS_NEW");
  // Creating and destroying in a loop holds as many records as were ever alive at once;
  // tags older than the record's last owner but one are still stale, with plainer words.
  for (int round = 0; round < 100; ++round) {
    { WorkspaceScope scope = manager.activate("WS_LOOP"); }
    manager.destroy("WS_LOOP");
  }
  CHECK(WorkspaceLifetime::records_created() == records);
  CHECK_FALSE(from_old.is_valid());
  CHECK_THROWS_WITH(from_old.data_ptr(), Contains("an earlier workspace"));
}

TEST_CASE("scope_out detaches new tensors whatever is open", "[workspace][manager]") {
  CleanThread clean;
  WorkspaceManager& manager = WorkspaceManager::current();
  WorkspaceScope outer = manager.activate("OUTER");
  {
    WorkspaceScope out = manager.scope_out();
    CHECK(out.workspace() == nullptr);
    CHECK(manager.current_workspace() == nullptr);
    CHECK(Tensor::empty({3}).is_detached());
  }
  CHECK(manager.current_workspace() == outer.workspace());
  CHECK(Tensor::empty({3}).is_attached());
}

TEST_CASE("scope_out and a borrowed scope may close in either order", "[workspace][manager]") {
  // ND4J #8784: outer -> inner -> borrow outer -> scope out; closing the scope-out returned
  // to "inner" instead of the borrowed "outer".
  CleanThread clean;
  WorkspaceManager& manager = WorkspaceManager::current();
  SECTION("scope-out first") {
    WorkspaceScope outer = manager.activate("OUTER");
    WorkspaceScope inner = manager.activate("INNER");
    WorkspaceScope borrowed = manager.activate("OUTER");
    CHECK(borrowed->depth() == 2);
    WorkspaceScope out = manager.scope_out();
    out.close();
    CHECK(manager.current_workspace() == outer.workspace());
    borrowed.close();
    CHECK(manager.current_workspace() == inner.workspace());
    CHECK(outer->is_open());
    inner.close();
    CHECK(manager.current_workspace() == outer.workspace());
  }
  SECTION("borrow first") {
    WorkspaceScope outer = manager.activate("OUTER");
    WorkspaceScope inner = manager.activate("INNER");
    WorkspaceScope borrowed = manager.activate("OUTER");
    WorkspaceScope out = manager.scope_out();
    borrowed.close();
    CHECK(manager.current_workspace() == nullptr);  // the scope-out is still open
    CHECK(outer->depth() == 1);
    out.close();
    CHECK(manager.current_workspace() == inner.workspace());
  }
  CHECK(manager.open_scopes() == 0);
  CHECK(manager.current_workspace() == nullptr);
}

TEST_CASE("a throw inside nested scopes leaves the manager consistent", "[workspace][manager]") {
  CleanThread clean;
  WorkspaceManager& manager = WorkspaceManager::current();
  Tensor leaked;
  auto failing_step = [&] {
    WorkspaceScope outer = manager.activate("OUTER");
    WorkspaceScope inner = manager.activate("INNER");
    WorkspaceScope borrowed = manager.activate("OUTER");
    WorkspaceScope out = manager.scope_out();
    leaked = Tensor::empty({4});
    WorkspaceScope again = manager.activate("INNER");
    throw std::runtime_error("device lost");
  };
  CHECK_THROWS_WITH(failing_step(), "device lost");
  CHECK(manager.open_scopes() == 0);
  CHECK(manager.current_workspace() == nullptr);
  CHECK_FALSE(manager.get("OUTER")->is_open());
  CHECK_FALSE(manager.get("INNER")->is_open());
  CHECK(leaked.is_detached());  // made inside scope_out: survives
  CHECK(manager.get("OUTER")->cycle() == 1);
  // The next step works normally.
  WorkspaceScope outer = manager.activate("OUTER");
  CHECK(Tensor::empty({4}).epoch() == manager.get("OUTER")->epoch_of(1));
}

TEST_CASE("detach and leverage_to move a tensor out of its cycle", "[workspace][manager]") {
  CleanThread clean;
  WorkspaceManager& manager = WorkspaceManager::current();
  Tensor detached, leveraged, dead;
  WorkspaceScope parent = manager.activate("PARENT");
  {
    WorkspaceScope child = manager.activate("CHILD");
    Tensor tensor = Tensor::empty({2, 3});
    for (int i = 0; i < 6; ++i) tensor.data<float>()[i] = static_cast<float>(i) + 0.5f;
    detached = tensor.detach();
    leveraged = tensor.leverage_to("PARENT");
    Tensor nowhere = tensor.leverage_to("NOT_OPEN");  // not open: detached
    CHECK(nowhere.is_detached());
    CHECK(tensor.leverage_to("CHILD").unchecked_data() ==
          tensor.unchecked_data());                                          // already there
    CHECK(detached.detach().unchecked_data() == detached.unchecked_data());  // detached: as is
    dead = tensor;
    Tensor view = tensor.transpose(0, 1);
    Tensor view_copy = view.detach();
    CHECK(view_copy.is_contiguous());
    CHECK(view_copy.data<float>()[1] == 3.5f);
  }
  CHECK_FALSE(dead.is_valid());
  CHECK_THROWS_AS(dead.detach(), WorkspaceError);
  CHECK(detached.is_detached());
  CHECK(parent->owns(leveraged.lifetime()));
  CHECK(leveraged.is_valid());
  for (int i = 0; i < 6; ++i) {
    CHECK(detached.data<float>()[i] == static_cast<float>(i) + 0.5f);
    CHECK(leveraged.data<float>()[i] == static_cast<float>(i) + 0.5f);
  }
}

TEST_CASE("a thread's workspaces are reported per thread and freed when it exits",
          "[workspace][manager][threads]") {
  CleanThread clean;
  WorkspaceRegistry& registry = WorkspaceRegistry::instance();
  const std::size_t before = registry.reserved_bytes(Device::cpu());
  std::size_t during = 0;
  int worker_thread = 0;
  std::mutex mutex;
  std::condition_variable changed;
  bool measured = false, may_exit = false;
  std::thread worker([&] {
    WorkspaceConfig config;
    config.initial_size = 1 << 20;
    config.learning = LearningPolicy::NONE;
    WorkspaceScope scope = WorkspaceManager::current().activate("WORKER", config);
    scope.close();
    std::unique_lock<std::mutex> lock(mutex);
    worker_thread = thread_index();
    measured = true;
    changed.notify_all();
    changed.wait(lock, [&] { return may_exit; });
  });
  {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return measured; });
    during = registry.reserved_bytes(Device::cpu());
    bool found = false;
    for (const ThreadWorkspaceMemory& row : registry.memory_by_thread()) {
      if (row.thread == worker_thread) {
        found = true;
        CHECK(row.reserved_bytes == 1 << 20);
        CHECK(row.workspaces == 1);
      }
    }
    CHECK(found);
    may_exit = true;
    changed.notify_all();
  }
  worker.join();
  CHECK(during == before + (1 << 20));
  CHECK(registry.reserved_bytes(Device::cpu()) == before);
}

TEST_CASE("statistics are a struct, JSON and a table", "[workspace][manager]") {
  CleanThread clean;
  WorkspaceManager& manager = WorkspaceManager::current();
  for (int i = 0; i < 3; ++i) {
    WorkspaceScope scope = manager.activate("WS_STATS");
    Tensor::empty({256});
  }
  const std::vector<WorkspaceStatistics> statistics = manager.statistics();
  REQUIRE(statistics.size() == 1);
  CHECK(statistics[0].cycles == 3);
  CHECK(statistics[0].arenas[0].requested_bytes_peak == 1024);
  const std::string json = manager.statistics_json();
  CHECK_THAT(json, Contains("\"id\": \"WS_STATS\"") && Contains("\"cycles\": 3") &&
                       Contains("\"requested_bytes.peak\": 1024") &&
                       Contains("\"spill.count\": 1"));
  std::ostringstream table;
  manager.print_allocation_statistics(table);
  CHECK_THAT(table.str(), Contains("WS_STATS") && Contains("cpu:0") && Contains("1.0 KiB") &&
                              Contains("total reserved"));
}

// What ND4J users look for: a workspace created and sized before its first cycle
// (getWorkspaceForCurrentThread + initializeWorkspace), and migrate().
TEST_CASE("a workspace can be created and sized before it is first opened", "[workspace]") {
  WorkspaceManager manager(Device::cpu());
  WorkspaceConfig config;
  config.initial_size = 0;
  config.learning = LearningPolicy::FIRST_LOOP;
  Workspace& workspace = manager.get_or_create("WS_SIZED", config);
  CHECK(manager.exists("WS_SIZED"));
  CHECK(manager.open_scopes() == 0);  // created, not opened
  workspace.adopt_learned_size(MemoryKind::host, 1 << 20);
  CHECK(&manager.get_or_create("WS_SIZED", config) == &workspace);
  {
    WorkspaceScope scope = manager.activate("WS_SIZED", config);
    const Tensor tensor = Tensor::empty({1000}, DType::f32);
    CHECK(tensor.is_attached());
  }
  const WorkspaceStatistics statistics = workspace.statistics();
  CHECK(statistics.spilling_cycles == 0);  // the first cycle fitted: it was sized up front
  CHECK(statistics.arenas[0].reserved_bytes >= (1u << 20));
  WorkspaceConfig other = config;
  other.initial_size = 4096;
  CHECK_THROWS_WITH(manager.get_or_create("WS_SIZED", other),
                    Contains("already exists with another configuration"));
}

TEST_CASE("migrate() copies a tensor into the current scope", "[workspace]") {
  WorkspaceManager& manager = WorkspaceManager::for_device(Device::cpu());
  const Tensor detached = Tensor::empty_detached({16}, DType::f32);
  for (int i = 0; i < 16; ++i) detached.data<float>()[i] = static_cast<float>(i);
  {
    WorkspaceScope scope = manager.activate("WS_MIGRATE");
    const Tensor migrated = detached.migrate();
    CHECK(migrated.is_attached());
    CHECK(migrated.data<float>() != detached.data<float>());
    for (int i = 0; i < 16; ++i) CHECK(migrated.data<float>()[i] == static_cast<float>(i));
    CHECK(migrated.migrate().data<float>() == migrated.data<float>());  // already here
  }
  const Tensor outside = detached.migrate();  // no scope open: a detached copy
  CHECK_FALSE(outside.is_attached());
  CHECK(outside.data<float>() != detached.data<float>());
  CHECK(outside.data<float>()[15] == 15.0f);
  manager.destroy("WS_MIGRATE");
}
