#pragma once
// A caching adaptor for detached tensors: freed blocks are kept in size-class pools and
// reused, so that detached tensors of recurring sizes cost no system call. trim() returns
// the idle blocks to the upstream resource.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "runtime/memory_resource.h"

namespace gyre {

struct CachingStatistics {
  std::uint64_t hits = 0;           // allocations served from the cache
  std::uint64_t misses = 0;         // allocations that went upstream
  std::uint64_t cached_bytes = 0;   // idle bytes held in the pools now
  std::uint64_t in_use_bytes = 0;   // bytes handed out and not yet returned
  std::uint64_t trimmed_bytes = 0;  // total bytes returned upstream by trim()
};

class CachingResource final : public AdaptorResource {
 public:
  explicit CachingResource(MemoryResource& upstream) : AdaptorResource(upstream) {}
  ~CachingResource() override;

  /// Returns every idle block to the upstream resource; the bytes returned.
  std::size_t trim();
  CachingStatistics statistics() const;

  /// `stream` is going away: the blocks pooled under it go back upstream now, in its order.
  /// `destroy` (which destroys the stream) runs at once when no block allocated on the
  /// stream is in use, or else when the last one is released: until then the stream lives
  /// on, so its blocks are freed in its order and its handle is not reused.
  void retire_stream(Stream stream, std::function<void()> destroy);

  /// The block size a request is served with: powers of two up to 1 MiB, then multiples of
  /// 1 MiB, so that a block is reused by requests of nearby sizes.
  static std::size_t size_class(std::size_t bytes);

  std::string name() const override;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) override;
  void do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                     Stream stream) noexcept override;
  // Pools a freed block (under mutex_), or frees it when its stream is retiring; sets
  // `destroy_stream` when that was the retiring stream's last block.
  void release_block(void* pointer, std::size_t size, Stream stream,
                     std::function<void()>& destroy_stream) noexcept;

  // A block freed on one stream is reused only on that stream: its last use is then
  // ordered before the next one without any synchronization.
  struct PoolKey {
    std::size_t size;
    void* stream;
    bool operator<(const PoolKey& other) const {
      return size != other.size ? size < other.size : stream < other.stream;
    }
  };

  mutable std::mutex mutex_;
  std::map<PoolKey, std::vector<void*>> pools_;
  std::map<void*, std::size_t> in_use_blocks_;               // by stream handle (not null)
  std::map<void*, std::function<void()>> retiring_streams_;  // handle -> its destroy
  CachingStatistics statistics_;
};

}  // namespace gyre
