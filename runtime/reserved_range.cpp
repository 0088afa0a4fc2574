#include "runtime/reserved_range.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/error.h"
#include "runtime/log.h"

namespace gyre {

ReservedRange::ReservedRange(char* base, std::size_t capacity, std::size_t granularity)
    : base_(base), capacity_(capacity), granularity_(granularity) {
  chunks_.reserve(8);
}

ReservedRange::~ReservedRange() = default;

void ReservedRange::commit(std::size_t bytes) {
  const std::size_t target = (bytes + granularity_ - 1) / granularity_ * granularity_;
  GYRE_CHECK(target <= capacity_, InvalidArgumentError, "cannot commit ", bytes,
             " bytes in a reservation of ", capacity_,
             " bytes; reserve more (a workspace reserves max_size, or a default when it is 0)");
  if (target > committed_) {
    if (chunks_.size() == chunks_.capacity()) chunks_.reserve(2 * chunks_.size() + 8);
    void* handle = map(committed_, target);  // the push below cannot throw now
    chunks_.push_back({committed_, target, handle});
    committed_ = target;
    return;
  }
  while (!chunks_.empty() && chunks_.back().from >= target) {
    const Chunk chunk = chunks_.back();
    chunks_.pop_back();
    unmap(chunk.from, chunk.to, chunk.handle);
    committed_ = chunk.from;
  }
  if (target < committed_) {
    // The last chunk straddles the target: a chunk is one piece of memory, so it goes back
    // whole and its part below the target is mapped anew (same addresses, fresh contents).
    const Chunk chunk = chunks_.back();
    chunks_.pop_back();
    unmap(chunk.from, chunk.to, chunk.handle);
    committed_ = chunk.from;
    void* handle = map(chunk.from, target);
    chunks_.push_back({chunk.from, target, handle});
    committed_ = target;
  }
}

void ReservedRange::unmap_all() noexcept {
  while (!chunks_.empty()) {
    const Chunk chunk = chunks_.back();
    chunks_.pop_back();
    unmap(chunk.from, chunk.to, chunk.handle);
  }
  committed_ = 0;
}

HostRange::HostRange(std::size_t capacity)
    : ReservedRange(host_address_space::reserve(host_address_space::whole_pages(capacity)),
                    host_address_space::whole_pages(capacity), host_address_space::page_size()) {}

HostRange::~HostRange() {
  // Derived ranges gave their chunks back in their own destructors; the rest are plain pages.
  host_address_space::release(base(), capacity());
}

void* HostRange::map(std::size_t from, std::size_t to) {
  host_address_space::commit(base() + from, to - from);
  return nullptr;
}

void HostRange::unmap(std::size_t from, std::size_t to, void*) noexcept {
  host_address_space::decommit(base() + from, to - from);
}

std::size_t default_device_reservation(std::size_t device_memory) {
  return std::min(device_memory, std::size_t{16} << 30);
}

namespace host_address_space {

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::size_t whole_pages(std::size_t bytes) {
  return (bytes + page_size() - 1) / page_size() * page_size();
}

std::size_t default_reservation() {
  // Address space is plentiful but not endless (sanitizers confine it to a few TiB): one
  // arena reserves at most 8 GiB unless asked; a larger one is reserved anew.
  constexpr std::size_t kMostByDefault = std::size_t{8} << 30;
  static const std::size_t bytes =
      std::min(static_cast<std::size_t>(::sysconf(_SC_PHYS_PAGES)) * page_size(), kMostByDefault);
  return bytes;
}

// No MAP_NORESERVE: an inaccessible private mapping is not charged, and mprotect then
// charges what it opens, so a commit the system cannot back fails there (OutOfMemoryError)
// instead of at first touch.
char* reserve(std::size_t bytes) {
  void* base = ::mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  GYRE_CHECK(base != MAP_FAILED, OutOfMemoryError, "cannot reserve ", bytes,
             " bytes of address space: ", std::strerror(errno), "; lower the workspace's max_size");
  return static_cast<char*>(base);
}

void release(char* base, std::size_t bytes) noexcept {
  if (base != nullptr) ::munmap(base, bytes);
}

void commit(char* address, std::size_t bytes) {
  GYRE_CHECK(::mprotect(address, bytes, PROT_READ | PROT_WRITE) == 0, OutOfMemoryError,
             "cannot commit ", bytes, " bytes of host memory: ", std::strerror(errno),
             "; the system is out of memory");
}

void decommit(char* address, std::size_t bytes) noexcept {
  // A fresh PROT_NONE mapping over the range drops its pages and their commit charge.
  if (::mmap(address, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
      MAP_FAILED) {
    GYRE_LOG(runtime, error, "giving back ", bytes, " bytes of host memory at ",
             static_cast<void*>(address), " failed (", std::strerror(errno),
             "): they stay committed until the arena is freed");
  }
}

}  // namespace host_address_space
}  // namespace gyre
