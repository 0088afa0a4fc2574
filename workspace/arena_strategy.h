#pragma once
// ArenaStrategy: how a workspace hands out the memory of one arena over its cycles. Two
// strategies (docs/design/workspaces.md): BumpAllocator (AT_SCOPE_EXIT: a pointer bump,
// the whole arena free again when the cycle ends) and RingAllocator (CYCLIC: a ring whose
// cycles stay live until their consumer releases them). The workspace keeps what is common
// (scopes, stream fences, spills, learning, statistics) and asks its strategy the rest.
#include <cstddef>
#include <cstdint>
#include <utility>

#include "runtime/memory_resource.h"
#include "workspace/arena.h"

namespace gyre {

class ArenaStrategy {
 public:
  virtual ~ArenaStrategy() = default;
  ArenaStrategy() = default;
  ArenaStrategy(const ArenaStrategy&) = delete;
  ArenaStrategy& operator=(const ArenaStrategy&) = delete;

  const Arena& arena() const { return arena_; }
  /// Takes `arena` as the strategy's, for good (an MMAP workspace's mapped file).
  void adopt_file(Arena arena) { arena_ = std::move(arena); }

  /// Cycle `cycle` opens.
  virtual void open_cycle(std::uint64_t cycle) = 0;
  /// `bytes` at `alignment` (a power of two) in the arena, or null when they do not fit.
  virtual void* fit(std::size_t bytes, std::size_t alignment) = 0;
  /// Bytes of the arena that live cycles occupy.
  virtual std::size_t in_use() const = 0;
  /// Whether a cycle's memory is free again when the cycle ends (else: when its consumer
  /// releases it, release_before()).
  virtual bool frees_at_cycle_end() const = 0;
  /// The open cycle ended.
  virtual void close_cycle() = 0;
  /// Every cycle before `cycle` was released by its consumer.
  virtual void release_before(std::uint64_t cycle) = 0;
  /// Whether cycles still hold memory (the arena cannot be trimmed now).
  virtual bool holds_cycles() const = 0;
  /// Arena memory held, older arenas still used by live cycles included.
  virtual std::size_t reserved_bytes() const { return arena_.size(); }
  /// Frees older arenas kept for live cycles (only when none holds memory).
  virtual void drop_retired() {}

  /// What a resize did to the addresses a captured graph may hold.
  enum class Resized { in_place, moved };
  /// Resizes the arena to `bytes` (a reservation of `capacity` bytes when one is made;
  /// `cycle` is the workspace's cycle, `open` whether it is open). A stable arena grows in
  /// place; it "moves" when it shrinks (memory given back) or is replaced. Throws
  /// OutOfMemoryError: a stable arena stays as it was, a replaced one is empty.
  virtual Resized resize(MemoryResource& resource, std::size_t bytes, std::size_t alignment,
                         std::size_t capacity, std::uint64_t cycle, bool open) = 0;

 protected:
  /// A stable arena resized in place, or a new arena of `bytes` (the old one freed first:
  /// the peak is the larger of the two, not their sum).
  Resized replace_or_resize(MemoryResource& resource, std::size_t bytes, std::size_t alignment,
                            std::size_t capacity);

  Arena arena_;
};

}  // namespace gyre
