// "What a steady state means": after the learning cycle, a loop of cycles makes no call to
// the host heap and none to the arena's memory resource.
#include <catch2/catch.hpp>
#include <thread>

#include "runtime/detached_memory.h"
#include "runtime/error.h"
#include "runtime/statistics_resource.h"
#include "runtime/tensor.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/eventually.h"
#include "workspace/memory_manager.h"
#include "workspace/workspace_manager.h"

using namespace gyre;

TEST_CASE("a learned workspace loop allocates nothing, on the heap or from its resource",
          "[workspace][steady-state]") {
  WorkspaceManager::destroy_all_for_current_thread();
  WorkspaceManager& manager = WorkspaceManager::current();
  auto step = [&] {
    WorkspaceScope outer = manager.activate("WS_ITERATION");
    Tensor input = Tensor::empty({128, 784});
    Tensor hidden = Tensor::empty({128, 256});
    {
      WorkspaceScope working = manager.activate("WS_LAYER_WORKING");
      Tensor scratch = Tensor::empty({128, 256});
      Tensor view = scratch.transpose(0, 1);
      (void)view;
    }
    Tensor logits = Tensor::empty({128, 10});
    Tensor kept = logits.leverage_to("WS_ITERATION");
    (void)input, (void)hidden, (void)kept;
  };
  step();  // the learning cycle
  step();
  testing::HeapAllocationCounter counter;
  for (int i = 0; i < 100; ++i) step();
  CHECK(counter.count() == 0);
  for (const WorkspaceStatistics& statistics : manager.statistics()) {
    CHECK(statistics.spilling_cycles == 1);  // only the learning cycle
    CHECK(statistics.arenas[0].resize_count == 1);
  }
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("the steady state makes no call to the arena's memory resource",
          "[workspace][steady-state]") {
  HostMemoryResource host;
  StatisticsResource counted(host);
  WorkspaceResources resources = WorkspaceResources::make_default(Device::cpu());
  resources.primary = &counted;
  Workspace workspace("W", WorkspaceConfig{}, resources);
  for (int i = 0; i < 50; ++i) {
    workspace.enter();
    workspace.allocate(1000, 256, Stream());
    workspace.allocate(5000, 256, Stream());
    workspace.leave();
    if (i == 0) counted.reset_peaks_and_totals();
  }
  CHECK(counted.statistics().allocation_count == 0);
  CHECK(counted.statistics().deallocation_count == 0);
}

TEST_CASE("the memory manager trims detached memory on demand and periodically",
          "[workspace][memory-manager][threads]") {
  MemoryManager& memory = MemoryManager::instance();
  { Tensor detached = Tensor::empty_detached({1024}); }  // leaves a cached block behind
  CHECK(memory.trim() >= 4096);
  CHECK(memory.trim() == 0);
  CHECK_THROWS_AS(memory.set_auto_trim_window(std::chrono::milliseconds(0)), InvalidArgumentError);
  memory.set_auto_trim_window(std::chrono::milliseconds(5));
  CHECK(memory.auto_trim_window() == std::chrono::milliseconds(5));
  const std::size_t before = memory.trim_count();
  memory.toggle_periodic_trim(true);
  CHECK(memory.periodic_trim_active());
  { Tensor detached = Tensor::empty_detached({1024}); }
  CHECK(testing::eventually([&] { return memory.trim_count() >= before + 3; }));
  memory.toggle_periodic_trim(false);
  CHECK_FALSE(memory.periodic_trim_active());
  CHECK(detached_resource(Device::cpu()).statistics().cached_bytes == 0);
  memory.set_auto_trim_window(std::chrono::milliseconds(5000));
}
