#include "runtime/sim/sim_memory.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "runtime/error.h"
#include "runtime/sim/sim_config.h"

namespace gyre::sim {
namespace {
constexpr std::size_t kAlignment = 256;  // as cudaMalloc
}

SimMemory& SimMemory::instance() {
  static auto* memory = new SimMemory();  // never destroyed: memory may be freed at exit
  return *memory;
}

void* SimMemory::allocate(std::size_t bytes, Region region) {
  const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (region.kind == MemoryKind::device) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    charge(region.device, rounded, bytes);  // before the host allocation, undone if that fails
  }
  void* pointer = std::aligned_alloc(kAlignment, rounded);
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (pointer == nullptr) {
    if (region.kind == MemoryKind::device) in_use_[region.device] -= rounded;
    throw OutOfMemoryError(strcat(region.kind == MemoryKind::device ? "sim device" : "sim pinned",
                                  " allocation of ", bytes,
                                  " bytes failed: the host is out of "
                                  "memory"));
  }
  blocks_.emplace(reinterpret_cast<std::uintptr_t>(pointer), Block{rounded, region});
  if (region.kind == MemoryKind::device) ++allocations_[region.device];
  lock.unlock();
  if (region.kind == MemoryKind::device) std::memset(pointer, 0xFF, rounded);
  return pointer;
}

// Holds `bytes` of `device`'s capacity (under the lock), or throws naming the request.
void SimMemory::charge(int device, std::size_t bytes, std::size_t request) {
  const std::size_t capacity = config().memory_per_device;
  std::size_t& used = in_use_[device];
  GYRE_CHECK(bytes <= capacity - used, OutOfMemoryError, "sim:", device,
             ": out of memory allocating ", request, " bytes: ", used, " of ", capacity,
             " bytes in use (the capacity is GYRE_SIM_MEMORY)");
  used += bytes;
}

std::size_t SimMemory::release(void* pointer, MemoryKind kind) noexcept {
  if (pointer == nullptr) return 0;
  std::unique_lock<std::shared_mutex> lock(mutex_);
  const auto found = blocks_.find(reinterpret_cast<std::uintptr_t>(pointer));
  if (found == blocks_.end() || found->second.region.kind != kind || found->second.reserved) {
    std::fprintf(stderr, "gyre sim: freeing %p, which is not a live %s allocation\n", pointer,
                 name_of(kind));
    std::abort();  // as a double free in the C library: memory is corrupt, stop here
  }
  const std::size_t bytes = found->second.bytes;
  if (kind == MemoryKind::device) in_use_[found->second.region.device] -= bytes;
  blocks_.erase(found);
  lock.unlock();
  std::free(pointer);
  return bytes;
}

void* SimMemory::allocate_device(int device, std::size_t bytes) {
  return allocate(bytes, Region{MemoryKind::device, device});
}
void SimMemory::free_device(void* pointer) noexcept {
  release(pointer, MemoryKind::device);
}
void* SimMemory::allocate_pinned(std::size_t bytes) {
  return allocate(bytes, Region{MemoryKind::pinned_host, -1});
}
void SimMemory::free_pinned(void* pointer) noexcept {
  release(pointer, MemoryKind::pinned_host);
}

void SimMemory::add_reserved(const char* base, Region region) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  blocks_.emplace(reinterpret_cast<std::uintptr_t>(base), Block{0, region, true});
}

void SimMemory::set_committed(const char* base, std::size_t bytes) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  Block& block = blocks_.at(reinterpret_cast<std::uintptr_t>(base));
  if (block.region.kind == MemoryKind::device) {
    if (bytes > block.bytes) {
      charge(block.region.device, bytes - block.bytes, bytes - block.bytes);
      ++allocations_[block.region.device];
    } else {
      in_use_[block.region.device] -= block.bytes - bytes;
    }
  }
  block.bytes = bytes;
}

void SimMemory::remove_reserved(const char* base) noexcept {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  const auto found = blocks_.find(reinterpret_cast<std::uintptr_t>(base));
  if (found == blocks_.end()) return;
  if (found->second.region.kind == MemoryKind::device)
    in_use_[found->second.region.device] -= found->second.bytes;
  blocks_.erase(found);
}

Region SimMemory::classify(const void* pointer, std::size_t bytes) const {
  const auto address = reinterpret_cast<std::uintptr_t>(pointer);
  std::shared_lock<std::shared_mutex> lock(mutex_);
  auto after = blocks_.upper_bound(address);
  if (after == blocks_.begin()) return {};
  const auto& [start, block] = *std::prev(after);
  if (address >= start + block.bytes) return {};  // pageable host memory
  GYRE_CHECK(address + bytes <= start + block.bytes, DeviceError, "the ", bytes, " bytes at ",
             pointer, " run past the end of their ",
             block.region.kind == MemoryKind::device
                 ? strcat("sim:", block.region.device, " allocation")
                 : std::string("pinned allocation"),
             " of ", block.bytes, " bytes (", start + block.bytes - address, " left)");
  return block.region;
}

std::size_t SimMemory::bytes_in_use(int device) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return in_use_[device];
}

std::uint64_t SimMemory::allocations(int device) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return allocations_[device];
}

}  // namespace gyre::sim
