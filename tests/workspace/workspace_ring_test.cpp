// CYCLIC workspaces: rings whose regions are reused only once their consumer released them.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <thread>

#include "runtime/error.h"
#include "runtime/lifetime.h"
#include "tests/support/strict_logging.h"
#include "workspace/workspace.h"

using namespace gyre;
using Catch::Matchers::Contains;

namespace {
WorkspaceConfig ring_config(std::size_t bytes) {
  WorkspaceConfig config;
  config.reset = ResetPolicy::CYCLIC;
  config.learning = LearningPolicy::NONE;
  config.initial_size = bytes;
  return config;
}

ScopedAllocation one_cycle(Workspace& ring, std::size_t bytes) {
  ring.enter();
  const ScopedAllocation allocation = ring.allocate(bytes, 256, Stream());
  ring.leave();
  return allocation;
}

std::size_t offset_of(const Workspace& ring, const ScopedAllocation& allocation,
                      const ScopedAllocation& base) {
  (void)ring;
  return static_cast<std::size_t>(static_cast<char*>(allocation.data) -
                                  static_cast<char*>(base.data));
}
}  // namespace

TEST_CASE("a ring keeps a cycle valid after its scope closes, until it is released",
          "[workspace][ring]") {
  Workspace ring("RING", ring_config(4096), Device::cpu());
  const ScopedAllocation first = one_cycle(ring, 1024);
  CHECK(first.lifetime->is_live(first.epoch));
  ring.release_through(0);
  CHECK_FALSE(first.lifetime->is_live(first.epoch));
  CHECK_THAT(first.lifetime->describe_stale(first.epoch),
             Contains("'RING'") && Contains("ring region was released"));
  CHECK_THROWS_WITH(ring.release_through(5), Contains("has not ended"));
  WorkspaceConfig scoped;
  Workspace plain("PLAIN", scoped, Device::cpu());
  CHECK_THROWS_WITH(plain.release_through(0), Contains("CYCLIC"));
}

TEST_CASE("a ring wraps around into released regions only", "[workspace][ring]") {
  Workspace ring("RING", ring_config(4096), Device::cpu());
  const ScopedAllocation a = one_cycle(ring, 1024);  // [0, 1024)
  const ScopedAllocation b = one_cycle(ring, 1024);  // [1024, 2048)
  const ScopedAllocation c = one_cycle(ring, 1024);  // [2048, 3072)
  CHECK(offset_of(ring, b, a) == 1024);
  CHECK(offset_of(ring, c, a) == 2048);
  const ScopedAllocation d = one_cycle(ring, 1024);  // [3072, 4096)
  CHECK(offset_of(ring, d, a) == 3072);
  ring.release_through(0);                           // a is free again
  const ScopedAllocation e = one_cycle(ring, 1024);  // wraps into a's region
  CHECK(e.data == a.data);
  CHECK(ring.statistics().arenas[0].reserved_bytes == 4096);
  CHECK(ring.statistics().arenas[0].spill_count == 0);
  // Everything in flight: b, c, d, e. A larger batch must not overwrite b.
  ring.release_through(1);  // b released: 1024 free at [1024, 2048)
  const ScopedAllocation f = one_cycle(ring, 1024);
  CHECK(f.data == b.data);
}

TEST_CASE("a ring that is too small for what is in flight grows in place", "[workspace][ring]") {
  Workspace ring("RING", ring_config(2048), Device::cpu());
  const std::uint64_t moves = Workspace::arena_moves(Device::cpu());
  const ScopedAllocation a = one_cycle(ring, 1024);
  std::memset(a.data, 0xAB, 1024);
  const ScopedAllocation b = one_cycle(ring, 1024);
  const ScopedAllocation c = one_cycle(ring, 1024);  // nothing released: must grow
  // The live cycles [0, 2048) do not wrap: the ring goes on after them, in the same arena.
  CHECK(offset_of(ring, b, a) == 1024);
  CHECK(offset_of(ring, c, a) == 2048);
  CHECK(static_cast<unsigned char*>(a.data)[1023] == 0xAB);  // a untouched
  WorkspaceStatistics statistics = ring.statistics();
  CHECK(statistics.arenas[0].resize_count == 2);
  CHECK(statistics.arenas[0].reserved_bytes == statistics.arenas[0].learned_size);
  CHECK(Workspace::arena_moves(Device::cpu()) == moves);
  ring.release_through(2);
  const ScopedAllocation d = one_cycle(ring, 16);
  CHECK(offset_of(ring, d, a) == 3072);
  CHECK(a.lifetime->is_live(ring.epoch_of(3)));
}

TEST_CASE("a ring grows in place from a later lap, and wraps at its new size",
          "[workspace][ring]") {
  Workspace ring("RING", ring_config(4096), Device::cpu());
  const std::uint64_t moves = Workspace::arena_moves(Device::cpu());
  const ScopedAllocation first = one_cycle(ring, 1024);
  for (int cycle = 1; cycle < 4; ++cycle) one_cycle(ring, 1024);
  ring.release_through(3);  // a whole lap released: the next cycles start over at the base
  const ScopedAllocation b0 = one_cycle(ring, 1024);  // cycle 4: [0, 1024) of lap 2
  const ScopedAllocation b1 = one_cycle(ring, 1024);  // cycle 5: [1024, 2048)
  CHECK(b0.data == first.data);
  std::memset(b0.data, 0xB0, 1024);
  std::memset(b1.data, 0xB1, 1024);
  // 3072 more do not fit beside the 2048 held; the held cycles do not wrap: in place.
  const ScopedAllocation e = one_cycle(ring, 3072);  // cycle 6
  CHECK(offset_of(ring, e, b0) == 2048);
  CHECK(static_cast<unsigned char*>(b0.data)[1023] == 0xB0);
  CHECK(static_cast<unsigned char*>(b1.data)[1023] == 0xB1);
  const std::size_t size = ring.statistics().arenas[0].learned_size;
  CHECK(size >= 8192);
  CHECK(ring.statistics().arenas[0].reserved_bytes == size);
  CHECK(Workspace::arena_moves(Device::cpu()) == moves);
  ring.release_through(5);                           // b0 and b1 go; e stays
  const ScopedAllocation f = one_cycle(ring, 1024);  // after e, in the grown ring
  CHECK(offset_of(ring, f, b0) == 5120);
  ring.release_through(7);
  // Round the grown ring once more: allocations stay inside it and never overlap.
  std::size_t end = 6144;
  for (int cycle = 8; cycle < 8 + 3 * static_cast<int>(size / 1024); ++cycle) {
    const ScopedAllocation next = one_cycle(ring, 1024);
    const std::size_t offset = offset_of(ring, next, b0);
    CHECK(offset + 1024 <= size);
    CHECK(offset == (end + 1024 <= size ? end : 0));
    end = offset + 1024;
    ring.release_through(static_cast<std::uint64_t>(cycle));
  }
  CHECK(ring.statistics().arenas[0].resize_count == 2);
}

TEST_CASE("a ring whose live cycles wrap grows into a new arena and keeps the old one",
          "[workspace][ring]") {
  Workspace ring("RING", ring_config(2048), Device::cpu());
  const ScopedAllocation a = one_cycle(ring, 1024);  // [0, 1024)
  const ScopedAllocation b = one_cycle(ring, 1024);  // [1024, 2048)
  ring.release_through(0);
  const ScopedAllocation c = one_cycle(ring, 1024);  // wraps into a's region
  CHECK(c.data == a.data);
  std::memset(b.data, 0xB0, 1024);
  std::memset(c.data, 0xC0, 1024);
  const ScopedAllocation d = one_cycle(ring, 1024);  // b and c live, wrapped: a new arena
  CHECK(d.data != b.data);
  CHECK(d.data != c.data);
  CHECK(static_cast<unsigned char*>(b.data)[1023] == 0xB0);
  CHECK(static_cast<unsigned char*>(c.data)[1023] == 0xC0);
  WorkspaceStatistics statistics = ring.statistics();
  CHECK(statistics.arenas[0].reserved_bytes == statistics.arenas[0].learned_size + 2048);
  ring.release_through(3);
  one_cycle(ring, 16);  // collects the old ring
  statistics = ring.statistics();
  CHECK(statistics.arenas[0].reserved_bytes == statistics.arenas[0].learned_size);
}

TEST_CASE("a ring capped by max_size spills, or fails under FAIL", "[workspace][ring]") {
  WorkspaceConfig config = ring_config(2048);
  config.max_size = 2048;
  Workspace ring("RING", config, Device::cpu());
  one_cycle(ring, 1024);
  one_cycle(ring, 1024);
  one_cycle(ring, 1024);
  CHECK(ring.statistics().arenas[0].spill_count == 1);
  CHECK(ring.statistics().arenas[0].reserved_bytes == 2048);
  config.spill = SpillPolicy::FAIL;
  Workspace strict("STRICT_RING", config, Device::cpu());
  one_cycle(strict, 2048);
  strict.enter();
  CHECK_THROWS_WITH(strict.allocate(1024, 256, Stream()),
                    Contains("'STRICT_RING'") && Contains("ring is full"));
  strict.leave();
}

TEST_CASE("a ring learns its size from the first cycle (FIRST_LOOP)", "[workspace][ring]") {
  WorkspaceConfig config;
  config.reset = ResetPolicy::CYCLIC;
  config.overallocation = 4.0;  // room for five cycles
  Workspace ring("RING", config, Device::cpu());
  const ScopedAllocation first = one_cycle(ring, 1000);
  CHECK(ring.statistics().arenas[0].spill_count == 1);
  CHECK(ring.statistics().arenas[0].reserved_bytes == config.learned_size(1000));
  for (int i = 0; i < 4; ++i) one_cycle(ring, 1000);
  CHECK(ring.statistics().arenas[0].spill_count == 1);
  CHECK(first.lifetime->is_live(first.epoch));
  ring.release_through(0);  // frees the learning cycle's spill
  CHECK_FALSE(first.lifetime->is_live(first.epoch));
}

TEST_CASE("a consumer thread releases ring cycles while the producer fills them",
          "[workspace][ring][threads]") {
  Workspace ring("PREFETCH", ring_config(8 * 1024), Device::cpu());
  constexpr int kCycles = 2000;
  std::atomic<int> produced{-1};
  std::atomic<bool> corrupted{false};
  std::thread consumer([&] {
    for (int cycle = 0; cycle < kCycles; ++cycle) {
      while (produced.load(std::memory_order_acquire) < cycle) std::this_thread::yield();
      ring.release_through(static_cast<std::uint64_t>(cycle));
    }
  });
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    // Stay at most three cycles ahead of the consumer, like a prefetch queue.
    ring.enter();
    const ScopedAllocation batch = ring.allocate(1024, 256, Stream());
    std::memset(batch.data, cycle & 0xFF, 1024);
    if (static_cast<unsigned char*>(batch.data)[512] != (cycle & 0xFF)) corrupted = true;
    ring.leave();
    produced.store(cycle, std::memory_order_release);
  }
  consumer.join();
  CHECK_FALSE(corrupted);
  CHECK(ring.statistics().cycles == kCycles);
}
