#pragma once
// BumpAllocator: the AT_SCOPE_EXIT strategy. Allocation bumps an offset; the end of a cycle
// returns it to 0, and the whole arena is free again.
#include "workspace/arena_strategy.h"

namespace gyre {

class BumpAllocator final : public ArenaStrategy {
 public:
  /// The bump itself, inline for the workspace's fast path: null when it does not fit.
  void* bump(std::size_t bytes, std::size_t alignment) {
    const std::size_t offset = align_up(offset_, alignment);
    if (offset + bytes > arena_.size() || arena_.base() == nullptr) return nullptr;
    offset_ = offset + bytes;
    arena_.unpoison(offset, bytes);
    return arena_.base() + offset;
  }
  std::size_t offset() const { return offset_; }

  void open_cycle(std::uint64_t) override {}
  void* fit(std::size_t bytes, std::size_t alignment) override { return bump(bytes, alignment); }
  std::size_t in_use() const override { return offset_; }
  bool frees_at_cycle_end() const override { return true; }
  void close_cycle() override;
  void release_before(std::uint64_t) override {}
  bool holds_cycles() const override { return false; }
  Resized resize(MemoryResource& resource, std::size_t bytes, std::size_t alignment,
                 std::size_t capacity, std::uint64_t cycle, bool open) override;

 private:
  std::size_t offset_ = 0;
};

}  // namespace gyre
