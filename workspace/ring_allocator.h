#pragma once
// RingAllocator: the CYCLIC strategy. The arena is a ring: a cycle's memory stays live
// until its consumer releases it, and later cycles go on after it, wrapping around. Offsets
// are virtual and grow without bound (physical = virtual mod size). When the ring is too
// small it grows: in place when its arena is stable and the live cycles do not wrap;
// otherwise into a new arena, the old one kept until the cycles in it are released. Either
// way no live allocation moves.
#include <vector>

#include "workspace/arena_strategy.h"

namespace gyre {

class RingAllocator final : public ArenaStrategy {
 public:
  RingAllocator() {
    cycles_.reserve(
        16);  // the usual number of cycles in flight, so the steady state allocates nothing
  }

  void open_cycle(std::uint64_t cycle) override;
  void* fit(std::size_t bytes, std::size_t alignment) override;
  std::size_t in_use() const override { return static_cast<std::size_t>(tail_ - head_); }
  bool frees_at_cycle_end() const override { return false; }
  void close_cycle() override {}
  void release_before(std::uint64_t cycle) override;
  bool holds_cycles() const override { return !cycles_.empty(); }
  std::size_t reserved_bytes() const override;
  void drop_retired() override { retired_.clear(); }
  Resized resize(MemoryResource& resource, std::size_t bytes, std::size_t alignment,
                 std::size_t capacity, std::uint64_t cycle, bool open) override;

 private:
  struct Cycle {  // a cycle not yet released
    std::uint64_t cycle;
    std::uint64_t start;  // virtual offset in the arena of `generation`
    std::uint64_t generation;
  };
  struct RetiredArena {  // an arena outgrown while cycles still used it
    Arena arena;
    std::uint64_t last_cycle;
  };
  bool grow_in_place(std::size_t bytes);

  std::uint64_t head_ = 0;        // virtual start of the oldest live cycle
  std::uint64_t tail_ = 0;        // virtual end of the newest allocation
  std::uint64_t generation_ = 0;  // bumped when the ring moves to a new arena
  std::vector<Cycle> cycles_;
  std::vector<RetiredArena> retired_;
};

}  // namespace gyre
