// Stream-ordered reuse, tested with fakes: device memory as host addresses and a stream
// ordering that records what it is asked (WORKSPACES.md, "Streams (CUDA)").
#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/support/fake_device.h"
#include "workspace/workspace.h"

using namespace gyre;
using testing::FakeCudaResources;

namespace {
bool logged(const std::vector<std::string>& log, const std::string& line) {
  return std::find(log.begin(), log.end(), line) != log.end();
}

WorkspaceConfig sized(std::size_t bytes) {
  WorkspaceConfig config;
  config.initial_size = bytes;
  config.learning = LearningPolicy::NONE;
  return config;
}
}  // namespace

TEST_CASE("one stream reuses its memory in stream order, with no wait", "[workspace][streams]") {
  FakeCudaResources fake;
  Workspace workspace("W", sized(4096), fake.resources());
  const Stream a = fake.ordering.stream("A");
  for (int cycle = 0; cycle < 3; ++cycle) {
    workspace.enter();
    workspace.allocate(512, 256, a);
    workspace.leave();
  }
  // A fence is recorded at each cycle end, but the same stream never waits on its own.
  for (const std::string& line : fake.ordering.log) CHECK(line.rfind("wait", 0) != 0);
  CHECK(fake.ordering.live_fences() == 1);  // only the last cycle's fence is kept
}

TEST_CASE("memory another stream used is reused only after that stream's fence",
          "[workspace][streams]") {
  FakeCudaResources fake;
  Workspace workspace("W", sized(4096), fake.resources());
  const Stream compute = fake.ordering.stream("compute");
  const Stream copy = fake.ordering.stream("copy");
  workspace.enter();
  workspace.allocate(512, 256, compute);
  workspace.record_stream_use(copy);  // a delayed copy reads the memory on another stream
  workspace.leave();
  REQUIRE(logged(fake.ordering.log, "record compute #1"));
  REQUIRE(logged(fake.ordering.log, "record copy #2"));
  fake.ordering.log.clear();
  workspace.enter();
  workspace.allocate(512, 256, compute);  // first use in the new cycle
  workspace.leave();
  CHECK(logged(fake.ordering.log, "wait compute #2 (copy)"));
  CHECK_FALSE(logged(fake.ordering.log, "wait compute #1 (compute)"));
}

TEST_CASE("each new stream of a cycle waits for the other streams of the previous one",
          "[workspace][streams]") {
  FakeCudaResources fake;
  Workspace workspace("W", sized(4096), fake.resources());
  const Stream a = fake.ordering.stream("A"), b = fake.ordering.stream("B");
  workspace.enter();
  workspace.allocate(64, 256, a);
  workspace.allocate(64, 256, b);
  workspace.leave();
  fake.ordering.log.clear();
  workspace.enter();
  workspace.allocate(64, 256, a);
  workspace.allocate(64, 256, a);
  workspace.allocate(64, 256, b);
  workspace.leave();
  CHECK(logged(fake.ordering.log, "wait A #2 (B)"));
  CHECK(logged(fake.ordering.log, "wait B #1 (A)"));
  CHECK(std::count_if(fake.ordering.log.begin(), fake.ordering.log.end(),
                      [](const std::string& line) { return line.rfind("wait", 0) == 0; }) == 2);
}

TEST_CASE("a released ring region is rewritten only after the consumer's fence",
          "[workspace][streams][ring]") {
  // PyTorch's classic: a delayed copy out of pinned memory must block that memory's reuse.
  FakeCudaResources fake;
  WorkspaceConfig config = sized(2048);
  config.reset = ResetPolicy::CYCLIC;
  config.mirroring = MirroringPolicy::HOST_ONLY;  // a pinned staging ring
  Workspace ring("PINNED_RING", config, fake.resources());
  const Stream producer = fake.ordering.stream("producer");
  const Stream consumer = fake.ordering.stream("consumer");
  for (int cycle = 0; cycle < 2; ++cycle) {
    ring.enter();
    ring.allocate(1024, MemoryKind::pinned_host, 256, producer);
    ring.leave();
  }
  ring.release_through(0, consumer);  // the consumer's copy out of cycle 0 is queued on "consumer"
  const auto fence =
      std::find_if(fake.ordering.log.begin(), fake.ordering.log.end(),
                   [](const std::string& line) { return line.rfind("record consumer", 0) == 0; });
  REQUIRE(fence != fake.ordering.log.end());
  const std::string token = fence->substr(fence->find('#'));
  ring.enter();
  ring.allocate(1024, MemoryKind::pinned_host, 256, producer);  // reuses cycle 0's region
  ring.leave();
  CHECK(logged(fake.ordering.log, "wait producer " + token + " (consumer)"));
}

TEST_CASE("a mirrored workspace has a device arena and a pinned host arena",
          "[workspace][streams]") {
  FakeCudaResources fake;
  WorkspaceConfig config = sized(4096);
  config.mirroring = MirroringPolicy::DEVICE_AND_PINNED_HOST;
  Workspace workspace("MIRROR", config, fake.resources());
  REQUIRE(workspace.kinds().size() == 2);
  workspace.enter();
  const ScopedAllocation device = workspace.allocate(1000, MemoryKind::device, 256, Stream());
  const ScopedAllocation host = workspace.allocate(3000, MemoryKind::pinned_host, 256, Stream());
  const ScopedAllocation device2 = workspace.allocate(1000, MemoryKind::device, 256, Stream());
  workspace.leave();
  CHECK(static_cast<char*>(device2.data) - static_cast<char*>(device.data) == 1024);  // own offsets
  CHECK(host.data != nullptr);
  const WorkspaceStatistics statistics = workspace.statistics();
  CHECK(statistics.arenas[0].kind == MemoryKind::device);
  CHECK(statistics.arenas[1].kind == MemoryKind::pinned_host);
  CHECK(statistics.arenas[0].requested_bytes_peak == 2024);
  CHECK(statistics.arenas[1].requested_bytes_peak == 3000);
  CHECK(fake.device.allocations == 1);
  CHECK(fake.pinned.allocations == 1);
}

TEST_CASE("closing a scope only records fences: it never waits or synchronizes",
          "[workspace][streams]") {
  // ND4J flushed the device queue at every layer's scope exit; Gyre's reuse is stream-ordered.
  FakeCudaResources fake;
  Workspace workspace("W", sized(4096), fake.resources());
  const Stream a = fake.ordering.stream("A"), b = fake.ordering.stream("B");
  workspace.enter();
  workspace.allocate(64, 256, a);
  workspace.allocate(64, 256, b);
  fake.ordering.log.clear();
  workspace.leave();
  REQUIRE(fake.ordering.log.size() == 2);
  for (const std::string& line : fake.ordering.log) CHECK(line.rfind("record", 0) == 0);
}
