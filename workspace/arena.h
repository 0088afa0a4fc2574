#pragma once
// Arena: one contiguous block of one memory kind, owned (RAII) by a workspace. It comes
// from a MemoryResource or, for MMAP workspaces, from a memory-mapped file. In
// AddressSanitizer builds the parts of a host arena that hold no live allocation are
// poisoned, so a stale raw pointer into a workspace is caught in normal mode too.
#include <cstddef>
#include <string>

#include "runtime/memory_resource.h"

namespace gyre {

class Arena {
 public:
  Arena() = default;
  /// `bytes` from `resource` (0 bytes: an empty arena).
  Arena(MemoryResource& resource, std::size_t bytes, std::size_t alignment);
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
  MemoryResource* resource_ = nullptr;  // null for a mapped file
  bool annotated_ = false;              // host memory in an AddressSanitizer build
};

}  // namespace gyre
