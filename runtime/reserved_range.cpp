#include "runtime/reserved_range.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/error.h"

namespace gyre {

ReservedRange::ReservedRange(char* base, std::size_t capacity, std::size_t granularity)
    : base_(base), capacity_(capacity), granularity_(granularity) {
  chunks_.reserve(8);
}

void ReservedRange::commit(std::size_t bytes) {
  const std::size_t target = (bytes + granularity_ - 1) / granularity_ * granularity_;
  GYRE_CHECK(target <= capacity_, InvalidArgumentError, "cannot commit ", bytes,
             " bytes in a reservation of ", capacity_,
             " bytes; reserve more (a workspace reserves max_size, or all the memory of its "
             "kind when max_size is 0)");
  if (target > committed_) {
    chunks_.reserve(chunks_.size() + 1);  // so that the push below cannot throw
    void* handle = map(committed_, target);
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

char* reserve(std::size_t bytes) {
  void* base =
      ::mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
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
  ::mmap(address, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

}  // namespace host_address_space
}  // namespace gyre
