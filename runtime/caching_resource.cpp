#include "runtime/caching_resource.h"

#include "runtime/error.h"

namespace gyre {
namespace {
constexpr std::size_t kSmallestClass = 512;
constexpr std::size_t kLargeStep = std::size_t{1} << 20;
}  // namespace

CachingResource::~CachingResource() {
  trim();
}

std::size_t CachingResource::size_class(std::size_t bytes) {
  if (bytes >= kLargeStep) return (bytes + kLargeStep - 1) / kLargeStep * kLargeStep;
  std::size_t size = kSmallestClass;
  while (size < bytes) size *= 2;
  return size;
}

std::string CachingResource::name() const {
  return strcat("caching(", upstream_.name(), ")");
}

void* CachingResource::do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) {
  GYRE_CHECK(alignment <= kDefaultAlignment, InvalidArgumentError, name(),
             " serves alignments up to ", kDefaultAlignment, " bytes, not ", alignment);
  const std::size_t size = size_class(bytes);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto pool = pools_.find(PoolKey{size, stream.handle()});
    if (pool != pools_.end() && !pool->second.empty()) {
      void* pointer = pool->second.back();
      pool->second.pop_back();
      statistics_.hits += 1;
      statistics_.cached_bytes -= size;
      statistics_.in_use_bytes += size;
      if (stream.handle() != nullptr) ++in_use_blocks_[stream.handle()];
      return pointer;
    }
  }
  void* pointer = upstream_.allocate(size, kDefaultAlignment, stream);
  std::lock_guard<std::mutex> lock(mutex_);
  statistics_.misses += 1;
  statistics_.in_use_bytes += size;
  try {
    if (stream.handle() != nullptr) ++in_use_blocks_[stream.handle()];
  } catch (...) {
    upstream_.deallocate(pointer, size, kDefaultAlignment, stream);
    statistics_.in_use_bytes -= size;
    throw;
  }
  return pointer;
}

void CachingResource::do_deallocate(void* pointer, std::size_t bytes, std::size_t,
                                    Stream stream) noexcept {
  const std::size_t size = size_class(bytes);
  std::function<void()> destroy_stream;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    release_block(pointer, size, stream, destroy_stream);
  }
  if (destroy_stream) destroy_stream();  // the last block of a retired stream came back
}

void CachingResource::release_block(void* pointer, std::size_t size, Stream stream,
                                    std::function<void()>& destroy_stream) noexcept {
  if (stream.handle() != nullptr) {
    // The entry stays at zero (no allocation per block in the steady state); it goes when
    // its stream does.
    auto counted = in_use_blocks_.find(stream.handle());
    if (counted != in_use_blocks_.end() && counted->second > 0) --counted->second;
    auto retiring = retiring_streams_.find(stream.handle());
    if (retiring != retiring_streams_.end()) {  // never pooled under a stream that is going
      upstream_.deallocate(pointer, size, kDefaultAlignment, stream);
      statistics_.in_use_bytes -= size;
      if (counted == in_use_blocks_.end() || counted->second == 0) {
        if (counted != in_use_blocks_.end()) in_use_blocks_.erase(counted);
        destroy_stream = std::move(retiring->second);
        retiring_streams_.erase(retiring);
      }
      return;
    }
  }
  try {
    pools_[PoolKey{size, stream.handle()}].push_back(pointer);
  } catch (...) {  // no memory to remember the block: hand it back instead
    upstream_.deallocate(pointer, size, kDefaultAlignment, stream);
    statistics_.in_use_bytes -= size;
    return;
  }
  statistics_.in_use_bytes -= size;
  statistics_.cached_bytes += size;
}

void CachingResource::retire_stream(Stream stream, std::function<void()> destroy) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto pool = pools_.begin(); pool != pools_.end();) {
      if (pool->first.stream != stream.handle()) {
        ++pool;
        continue;
      }
      for (void* pointer : pool->second) {
        upstream_.deallocate(pointer, pool->first.size, kDefaultAlignment, stream);
        statistics_.cached_bytes -= pool->first.size;
        statistics_.trimmed_bytes += pool->first.size;
      }
      pool = pools_.erase(pool);
    }
    auto counted = in_use_blocks_.find(stream.handle());
    if (counted != in_use_blocks_.end() && counted->second != 0) {
      retiring_streams_[stream.handle()] = std::move(destroy);
      return;
    }
    if (counted != in_use_blocks_.end()) in_use_blocks_.erase(counted);
  }
  destroy();
}

std::size_t CachingResource::trim() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t returned = 0;
  for (auto& [key, blocks] : pools_) {
    for (void* pointer : blocks) {
      upstream_.deallocate(pointer, key.size, kDefaultAlignment, Stream(device(), key.stream));
      returned += key.size;
    }
  }
  pools_.clear();
  statistics_.cached_bytes = 0;
  statistics_.trimmed_bytes += returned;
  return returned;
}

CachingStatistics CachingResource::statistics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return statistics_;
}

}  // namespace gyre
