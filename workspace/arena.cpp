#include "workspace/arena.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "runtime/error.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace gyre {
namespace {
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
}  // namespace

Arena::Arena(MemoryResource& resource, std::size_t bytes, std::size_t alignment,
             std::size_t capacity)
    : alignment_(alignment),
      resource_(&resource),
      annotated_(kAddressSanitizer && resource.kind() != MemoryKind::device) {
  range_ = resource.reserve(capacity != 0 ? std::max(capacity, bytes) : 0);
  // Larger than the default reservation: room to double before the arena moves.
  if (range_ != nullptr && range_->capacity() < bytes) range_ = resource.reserve(2 * bytes);
  // A reservation is aligned to its granularity (a page at least); a stricter alignment
  // than that takes the plain allocation.
  if (range_ != nullptr && reinterpret_cast<std::uintptr_t>(range_->base()) % alignment != 0)
    range_.reset();
  if (range_ != nullptr) {
    range_->commit(bytes);
    base_ = range_->base();
  } else {
    base_ = static_cast<char*>(resource.allocate(bytes, alignment));
  }
  size_ = bytes;
  poison(0, size_);
}

bool Arena::resize_in_place(std::size_t bytes) {
  if (range_ == nullptr || bytes > range_->capacity()) return false;
  if (bytes < size_) unpoison(bytes, size_ - bytes);  // what is given back leaves no shadow
  range_->commit(bytes);
  if (bytes > size_) poison(size_, bytes - size_);
  size_ = bytes;
  return true;
}

Arena Arena::map_file(const std::string& path, std::size_t bytes) {
  std::string file = path;
  int descriptor = -1;
  if (file.empty()) {
    const char* directory = std::getenv("TMPDIR");
    file = strcat(directory != nullptr ? directory : "/tmp", "/gyre-workspace-XXXXXX");
    descriptor = ::mkstemp(file.data());
    if (descriptor >= 0) ::unlink(file.c_str());
  } else {
    descriptor = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  }
  GYRE_CHECK(descriptor >= 0, WorkspaceError, "cannot open the workspace file '", file,
             "': ", std::strerror(errno));
  struct stat status {};
  if (::fstat(descriptor, &status) != 0 || static_cast<std::size_t>(status.st_size) < bytes) {
    if (::ftruncate(descriptor, static_cast<off_t>(bytes)) != 0) {
      const int error = errno;
      ::close(descriptor);
      throw WorkspaceError(strcat("cannot size the workspace file '", file, "' to ", bytes,
                                  " bytes: ", std::strerror(error)));
    }
  }
  void* base = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0);
  const int error = errno;
  ::close(descriptor);
  GYRE_CHECK(base != MAP_FAILED, WorkspaceError, "cannot map ", bytes, " bytes of '", file,
             "': ", std::strerror(error));
  Arena arena;
  arena.base_ = static_cast<char*>(base);
  arena.size_ = bytes;
  arena.annotated_ = kAddressSanitizer;
  arena.poison(0, bytes);
  return arena;
}

Arena::~Arena() {
  release();
}

Arena::Arena(Arena&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      alignment_(other.alignment_),
      resource_(std::exchange(other.resource_, nullptr)),
      range_(std::move(other.range_)),
      annotated_(other.annotated_) {}

Arena& Arena::operator=(Arena&& other) noexcept {
  if (this != &other) {
    release();
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    alignment_ = other.alignment_;
    resource_ = std::exchange(other.resource_, nullptr);
    range_ = std::move(other.range_);
    annotated_ = other.annotated_;
  }
  return *this;
}

void Arena::mark(std::size_t offset, std::size_t bytes, bool live) const {
  if (base_ == nullptr) return;
#if defined(__SANITIZE_ADDRESS__)
  if (live)
    ASAN_UNPOISON_MEMORY_REGION(base_ + offset, bytes);
  else
    ASAN_POISON_MEMORY_REGION(base_ + offset, bytes);
#else
  (void)offset, (void)bytes, (void)live;
#endif
}

void Arena::release() noexcept {
  if (base_ == nullptr) return;
  unpoison(0, size_);
  if (range_ != nullptr)
    range_.reset();
  else if (resource_ != nullptr)
    resource_->deallocate(base_, size_, alignment_);
  else
    ::munmap(base_, size_);
  base_ = nullptr;
  size_ = 0;
}

}  // namespace gyre
