#include "workspace/bump_allocator.h"

#include <utility>

namespace gyre {

ArenaStrategy::Resized ArenaStrategy::replace_or_resize(MemoryResource& resource, std::size_t bytes,
                                                        std::size_t alignment,
                                                        std::size_t capacity) {
  const std::size_t old_size = arena_.size();
  if (arena_.resize_in_place(bytes)) return bytes < old_size ? Resized::moved : Resized::in_place;
  const bool had_memory = old_size != 0;
  arena_ = Arena();
  if (bytes > 0) arena_ = Arena(resource, bytes, alignment, capacity);
  return had_memory ? Resized::moved : Resized::in_place;
}

void BumpAllocator::close_cycle() {
  arena_.poison(0, offset_);
  offset_ = 0;
}

ArenaStrategy::Resized BumpAllocator::resize(MemoryResource& resource, std::size_t bytes,
                                             std::size_t alignment, std::size_t capacity,
                                             std::uint64_t, bool) {
  offset_ = 0;  // only while closed: nothing lives in the arena
  return replace_or_resize(resource, bytes, alignment, capacity);
}

}  // namespace gyre
