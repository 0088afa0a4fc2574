#include "workspace/ring_allocator.h"

#include <algorithm>
#include <utility>

namespace gyre {
void RingAllocator::open_cycle(std::uint64_t cycle) {
  cycles_.push_back({cycle, tail_, generation_});
}

void* RingAllocator::fit(std::size_t bytes, std::size_t alignment) {
  const std::size_t size = arena_.size();
  if (size == 0 || bytes > size) return nullptr;
  // An allocation never straddles the end: it skips to the start of the next lap instead.
  std::uint64_t start = align_up(tail_, alignment);
  std::size_t physical = static_cast<std::size_t>(start % size);
  if (physical % alignment != 0) {
    start += align_up(physical, alignment) - physical;
    physical = static_cast<std::size_t>(start % size);
  }
  if (physical + bytes > size) {
    start += size - physical;
    physical = 0;
  }
  if (start + bytes - head_ > size) return nullptr;  // would overwrite live cycles
  tail_ = start + bytes;
  arena_.unpoison(physical, bytes);
  return arena_.base() + physical;
}

void RingAllocator::release_before(std::uint64_t released) {
  const auto first_live = std::find_if(cycles_.begin(), cycles_.end(),
                                       [&](const Cycle& ring) { return ring.cycle >= released; });
  if (first_live == cycles_.begin()) return;
  cycles_.erase(cycles_.begin(), first_live);
  retired_.erase(std::remove_if(retired_.begin(), retired_.end(),
                                [&](const RetiredArena& old) { return old.last_cycle < released; }),
                 retired_.end());
  std::uint64_t head = tail_;
  for (const Cycle& ring : cycles_) {
    if (ring.generation == generation_) {
      head = ring.start;
      break;
    }
  }
  const std::size_t size = arena_.size();
  if (head > head_ && size != 0) {
    // Poison what the consumer gave back, in at most two physical pieces.
    for (std::uint64_t from = head_; from < head;) {
      const std::size_t physical = static_cast<std::size_t>(from % size);
      const std::size_t piece =
          static_cast<std::size_t>(std::min<std::uint64_t>(head - from, size - physical));
      arena_.poison(physical, piece);
      from += piece;
    }
  }
  head_ = std::max(head_, head);
}

std::size_t RingAllocator::reserved_bytes() const {
  std::size_t total = arena_.size();
  for (const RetiredArena& old : retired_) total += old.arena.size();
  return total;
}

bool RingAllocator::grow_in_place(std::size_t bytes) {
  const std::size_t size = arena_.size();
  // The live cycles keep their physical addresses only if they do not wrap: then the ring
  // goes on from their end into the new space.
  const std::size_t head_physical = size == 0 ? 0 : static_cast<std::size_t>(head_ % size);
  if (bytes <= size || head_physical + in_use() > size || !arena_.resize_in_place(bytes))
    return false;
  // Renumber the live offsets so that virtual mod the new size is still their place.
  const std::uint64_t shift = head_ - head_physical;
  for (Cycle& ring : cycles_) {
    if (ring.generation == generation_) ring.start -= shift;
  }
  head_ -= shift;
  tail_ -= shift;
  return true;
}

ArenaStrategy::Resized RingAllocator::resize(MemoryResource& resource, std::size_t bytes,
                                             std::size_t alignment, std::size_t capacity,
                                             std::uint64_t cycle, bool open) {
  if (grow_in_place(bytes)) return Resized::in_place;
  if (cycles_.empty()) {  // nothing lives in the ring: start it afresh
    ++generation_;
    head_ = tail_ = 0;
    retired_.clear();
    return replace_or_resize(resource, bytes, alignment, capacity);
  }
  // Live cycles point into the old ring: keep it until they are released.
  const bool had_memory = !arena_.empty();
  if (had_memory) retired_.push_back({std::move(arena_), cycle});
  arena_ = Arena();
  ++generation_;
  head_ = tail_ = 0;
  if (open) cycles_.push_back({cycle, 0, generation_});
  if (bytes > 0) arena_ = Arena(resource, bytes, alignment, capacity);
  return had_memory ? Resized::moved : Resized::in_place;
}

}  // namespace gyre
