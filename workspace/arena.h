#pragma once
// Arena: one contiguous block of one memory kind, owned (RAII) by a workspace. It comes
// from a MemoryResource or, for MMAP workspaces, from a memory-mapped file. Where the
// resource can reserve address space (MemoryResource::reserve), the arena is stable: it
// grows and shrinks in place, and its base never changes; otherwise resizing means a new
// arena. In
// AddressSanitizer builds the parts of a host arena that hold no live allocation are
// poisoned, so a stale raw pointer into a workspace is caught in normal mode too.
#include <cstddef>
#include <memory>
#include <string>

#include "runtime/memory_resource.h"

namespace gyre {

/// `value` rounded up to `alignment`, a power of two: a mask, not a division (hot paths).
constexpr std::size_t align_up(std::size_t value, std::size_t alignment) {
  return (value + alignment - 1) & ~(alignment - 1);
}

class Arena {
 public:
  Arena() = default;
  /// `bytes` from `resource`, in a reservation of `capacity` bytes (0: the resource's
  /// default) when the resource offers one. Without a reservation, 0 bytes is an empty arena.
  Arena(MemoryResource& resource, std::size_t bytes, std::size_t alignment,
        std::size_t capacity = 0);
  /// `bytes` mapped from the file at `path` ("" : an unlinked temporary file); the file is
  /// created or extended to `bytes`.
  static Arena map_file(const std::string& path, std::size_t bytes);
  ~Arena();
  Arena(Arena&& other) noexcept;
  Arena& operator=(Arena&& other) noexcept;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  char* base() const { return base_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  /// Resizes a stable arena in place: every byte below min(old, new size) keeps its address
  /// and contents. False (nothing changed) when the arena is not stable or `bytes` exceeds
  /// its reservation; OutOfMemoryError when the memory is not there.
  bool resize_in_place(std::size_t bytes);

  /// Marks [offset, offset + bytes) as holding a live allocation, or as dead: for
  /// AddressSanitizer, in its builds. Inline, because it sits on the allocation path; the
  /// same code in every build (no sanitizer option changes a public header): a flag decides.
  void unpoison(std::size_t offset, std::size_t bytes) const {
    if (annotated_ && bytes != 0) mark(offset, bytes, true);
  }
  void poison(std::size_t offset, std::size_t bytes) const {
    if (annotated_ && bytes != 0) mark(offset, bytes, false);
  }

 private:
  void release() noexcept;
  void mark(std::size_t offset, std::size_t bytes, bool live) const;

  char* base_ = nullptr;
  std::size_t size_ = 0;
  std::size_t alignment_ = 0;
  MemoryResource* resource_ = nullptr;    // null for a mapped file
  std::unique_ptr<ReservedRange> range_;  // a stable arena's addresses
  bool annotated_ = false;                // host memory in an AddressSanitizer build
};

}  // namespace gyre
