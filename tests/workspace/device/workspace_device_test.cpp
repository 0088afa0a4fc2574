// [device] workspace tests on an accelerator (tests/support/test_device.h): device and
// pinned arenas, stream-ordered reuse.
#include <catch2/catch.hpp>
#include <vector>

#include "runtime/accelerator.h"
#include "runtime/memory_resource.h"
#include "runtime/statistics_resource.h"
#include "runtime/stream.h"
#include "runtime/tensor.h"
#include "tests/support/strict_logging.h"
#include "tests/support/test_device.h"
#include "workspace/workspace_manager.h"

using namespace gyre;

TEST_CASE("a device workspace hands out device memory at the same addresses every cycle",
          "[device][workspace]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);  // the copies run on the device's default stream
  Accelerator& accelerator = gyre::accelerator(device);
  const Stream stream = Stream::current(device);
  WorkspaceManager& manager = WorkspaceManager::for_device(device);
  void* first = nullptr;
  for (int cycle = 0; cycle < 5; ++cycle) {
    WorkspaceScope scope = manager.activate("WS_DEVICE");
    Tensor tensor = Tensor::empty({256, 256}, DType::f32, device);
    CHECK(tensor.is_attached());
    CHECK(tensor.device() == device);
    std::vector<float> host(256 * 256, static_cast<float>(cycle)), back(256 * 256);
    accelerator.copy_async(tensor.device_ptr(), host.data(), tensor.nbytes(), stream);
    accelerator.copy_async(back.data(), tensor.device_ptr(), tensor.nbytes(), stream);
    accelerator.synchronize(stream);
    CHECK(back == host);
    if (cycle == 1) first = tensor.unchecked_data();
    if (cycle > 1) CHECK(tensor.unchecked_data() == first);
  }
  const WorkspaceStatistics statistics = manager.get("WS_DEVICE")->statistics();
  CHECK(statistics.arenas[0].kind == MemoryKind::device);
  CHECK(statistics.spilling_cycles == 1);
  manager.destroy_all();
}

TEST_CASE("a mirrored device workspace has a pinned host arena the device can copy from",
          "[device][workspace]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  WorkspaceConfig config;
  config.mirroring = MirroringPolicy::DEVICE_AND_PINNED_HOST;
  config.initial_size = 1 << 20;
  config.learning = LearningPolicy::NONE;
  Workspace workspace("WS_MIRROR", config, device);
  OwnedStream stream(device);
  workspace.enter();
  auto* staging =
      static_cast<float*>(workspace.allocate(4096 * 4, MemoryKind::pinned_host, 256, stream).data);
  auto* memory =
      static_cast<float*>(workspace.allocate(4096 * 4, MemoryKind::device, 256, stream).data);
  REQUIRE(staging != nullptr);
  REQUIRE(memory != nullptr);
  REQUIRE(static_cast<void*>(staging) != static_cast<void*>(memory));
  for (int i = 0; i < 4096; ++i) staging[i] = static_cast<float>(i);
  std::vector<float> back(4096, -1.0f);
  gyre::accelerator(device).copy_async(memory, staging, 4096 * 4, stream);
  gyre::accelerator(device).copy_async(back.data(), memory, 4096 * 4, stream);
  workspace.leave();  // never synchronizes: the copies may still run
  stream.view().synchronize();
  for (int i = 0; i < 4096; ++i) REQUIRE(back[i] == static_cast<float>(i));
}

TEST_CASE("memory a second stream used is reused only after that stream's work",
          "[device][workspace]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  Accelerator& accelerator = gyre::accelerator(device);
  WorkspaceConfig config;
  config.initial_size = 64 << 20;
  config.learning = LearningPolicy::NONE;
  Workspace workspace("WS_STREAMS", config, device);
  OwnedStream compute(device), copy(device);
  std::vector<float> host(16 << 20, 1.0f);
  const std::size_t bytes = host.size() * 4;
  // Pinned, so that the device-to-host copies are truly asynchronous.
  PinnedHostMemoryResource pinned(testing::device_kind());
  auto* back = static_cast<float*>(pinned.allocate(bytes));
  auto* ballast = static_cast<float*>(pinned.allocate(bytes));
  back[0] = back[host.size() - 1] = 0.0f;
  workspace.enter();
  void* buffer = workspace.allocate(bytes, 256, compute).data;
  accelerator.copy_async(buffer, host.data(), bytes, compute);
  compute.view().synchronize();
  workspace.record_stream_use(copy);
  // The reader on `copy` starts only after a queue of unrelated copies: were the reuse below
  // not ordered after `copy`'s work, the overwrite would surely come first.
  for (int i = 0; i < 8; ++i) accelerator.copy_async(ballast, buffer, bytes, copy);
  accelerator.copy_async(back, buffer, bytes, copy);  // delayed reader
  workspace.leave();
  workspace.enter();
  void* reused = workspace.allocate(bytes, 256, compute).data;  // waits for `copy`
  REQUIRE(reused == buffer);
  accelerator.memset_async(reused, 0, bytes, compute);
  std::vector<float> overwritten(4, -1.0f);  // the overwrite does happen
  accelerator.copy_async(overwritten.data(), static_cast<char*>(reused) + bytes - 16, 16, compute);
  workspace.leave();
  compute.view().synchronize();
  copy.view().synchronize();
  CHECK(overwritten == std::vector<float>(4, 0.0f));
  CHECK(back[0] == 1.0f);
  CHECK(back[host.size() - 1] == 1.0f);  // the overwrite came after the copy
  pinned.deallocate(ballast, bytes);
  pinned.deallocate(back, bytes);
}

// The host writes pinned memory directly, outside stream order, so a
// pinned arena reused by the next cycle must first wait, on the host, for the stream work of
// the last cycle that may still read it, even on the same stream.
TEST_CASE("a mirrored workspace hands out pinned memory only after last cycle's copies read it",
          "[device][workspace]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  Accelerator& accelerator = gyre::accelerator(device);
  WorkspaceConfig config;
  config.mirroring = MirroringPolicy::DEVICE_AND_PINNED_HOST;
  config.reset = ResetPolicy::AT_SCOPE_EXIT;
  config.initial_size = 96 << 20;
  config.learning = LearningPolicy::NONE;
  Workspace workspace("WS_PINNED_REUSE", config, device);
  OwnedStream stream(device);
  const std::size_t count = 4 << 20, bytes = count * sizeof(float);
  PinnedHostMemoryResource pinned(testing::device_kind());
  auto* back = static_cast<float*>(pinned.allocate(bytes));
  auto* ballast = static_cast<float*>(pinned.allocate(4 * bytes));
  workspace.enter();
  auto* staging =
      static_cast<float*>(workspace.allocate(bytes, MemoryKind::pinned_host, 256, stream).data);
  auto* memory =
      static_cast<float*>(workspace.allocate(4 * bytes, MemoryKind::device, 256, stream).data);
  for (std::size_t i = 0; i < count; ++i) staging[i] = 1.0f;
  // The host-to-device copy that reads `staging` starts only after a queue of unrelated
  // copies: were the host not made to wait, its rewrite below would surely come first.
  for (int i = 0; i < 8; ++i) accelerator.copy_async(ballast, memory, 4 * bytes, stream);
  accelerator.copy_async(memory, staging, bytes, stream);
  accelerator.copy_async(back, memory, bytes, stream);
  workspace.leave();
  workspace.enter();
  auto* reused =
      static_cast<float*>(workspace.allocate(bytes, MemoryKind::pinned_host, 256, stream).data);
  REQUIRE(reused == staging);
  for (std::size_t i = 0; i < count; ++i) reused[i] = 2.0f;  // the next batch
  workspace.leave();
  stream.view().synchronize();
  CHECK(back[0] == 1.0f);
  CHECK(back[count - 1] == 1.0f);  // the copy read the first cycle's data
  pinned.deallocate(ballast, 4 * bytes);
  pinned.deallocate(back, bytes);
}

// Ending a cycle records a fence on each stream the cycle used. When that
// fails (here: the stream was destroyed before the cycle ended), the rest of the cycle's
// bookkeeping must still happen: the memory is reset and the next cycle starts at the base.
TEST_CASE("a cycle whose fence cannot be recorded still ends", "[device][workspace]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  WorkspaceConfig config;
  config.initial_size = 1 << 20;
  config.learning = LearningPolicy::NONE;
  Workspace workspace("WS_FENCE_FAILS", config, device);
  workspace.enter();
  void* first = nullptr;
  {
    OwnedStream gone(device);
    first = workspace.allocate(4096, 256, gone).data;
    workspace.allocate(4096, 256, gone);
  }
  testing::allow_warnings(1);  // the failed fence is logged
  workspace.leave();
  CHECK(workspace.statistics().cycles == 1);
  const Stream stream = Stream::current(device);
  workspace.enter();
  CHECK(workspace.allocate(4096, 256, stream).data == first);
  workspace.leave();
}

// Arenas on a device reserve their addresses and commit memory as they grow: a learned
// growth keeps the base (a captured graph stays valid), and a ring that grows while its
// consumer still holds cycles keeps every live allocation where it was, contents included.
TEST_CASE("a growing device workspace keeps every live allocation's address",
          "[device][workspace]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  Accelerator& accelerator = gyre::accelerator(device);
  const Stream stream = Stream::current(device);
  const std::uint64_t moves = Workspace::arena_moves(device);
  constexpr std::size_t kMiB = 1 << 20;

  WorkspaceConfig learning;
  learning.learning = LearningPolicy::FIRST_LOOP;
  learning.initial_size = kMiB / 4;
  Workspace scoped("WS_GROWS", learning, device);
  void* base = nullptr;
  for (int cycle = 0; cycle < 3; ++cycle) {
    scoped.enter();
    void* small = scoped.allocate(kMiB / 8, 256, stream).data;
    void* large = scoped.allocate(2 * kMiB, 256, stream).data;  // spills once, then fits
    scoped.leave();
    if (cycle == 0) base = small;
    CHECK(small == base);
    if (cycle > 0) CHECK(large == static_cast<char*>(base) + kMiB / 8);
  }
  CHECK(scoped.statistics().arenas[0].spill_count == 1);

  WorkspaceConfig cyclic;
  cyclic.reset = ResetPolicy::CYCLIC;
  cyclic.learning = LearningPolicy::NONE;
  cyclic.initial_size = kMiB;
  Workspace ring("WS_RING_GROWS", cyclic, device);
  std::vector<void*> live;
  std::vector<std::vector<unsigned char>> written;
  for (int cycle = 0; cycle < 3; ++cycle) {  // nothing released: the third cycle grows it
    ring.enter();
    live.push_back(ring.allocate(kMiB / 2, 256, stream).data);
    written.emplace_back(kMiB / 2, static_cast<unsigned char>(0x10 + cycle));
    accelerator.copy_async(live.back(), written.back().data(), kMiB / 2, stream);
    ring.leave();
  }
  CHECK(live[1] == static_cast<char*>(live[0]) + kMiB / 2);
  CHECK(live[2] == static_cast<char*>(live[0]) + kMiB);  // on in the same, grown arena
  for (std::size_t i = 0; i < live.size(); ++i) {
    std::vector<unsigned char> back(kMiB / 2);
    accelerator.copy_async(back.data(), live[i], kMiB / 2, stream);
    accelerator.synchronize(stream);
    CHECK(back == written[i]);
  }
  const WorkspaceStatistics statistics = ring.statistics();
  CHECK(statistics.arenas[0].reserved_bytes == statistics.arenas[0].learned_size);
  CHECK(Workspace::arena_moves(device) == moves);
  ring.release_through(2);
}
