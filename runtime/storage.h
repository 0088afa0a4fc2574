#pragma once
// Storage: a reference-counted block of memory from a MemoryResource, owned by detached
// tensors. The count is intrusive, so copying a tensor never allocates.
#include <atomic>
#include <cstddef>

#include "runtime/memory_resource.h"

namespace gyre {

class Storage {
 public:
  /// Allocates `bytes` from `resource` in `stream`'s order; the result has one reference.
  static Storage* create(MemoryResource& resource, std::size_t bytes, Stream stream);

  void retain() noexcept { references_.fetch_add(1, std::memory_order_relaxed); }
  /// Drops a reference; the last one returns the memory to its resource.
  void release() noexcept;
  long use_count() const noexcept { return references_.load(std::memory_order_relaxed); }

  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  MemoryResource& resource() const { return *resource_; }
  Stream stream() const { return stream_; }

 private:
  Storage(MemoryResource& resource, void* data, std::size_t bytes, Stream stream)
      : resource_(&resource), data_(data), bytes_(bytes), stream_(stream) {}

  MemoryResource* resource_;
  void* data_;
  std::size_t bytes_;
  Stream stream_;
  std::atomic<long> references_{1};
};

}  // namespace gyre
