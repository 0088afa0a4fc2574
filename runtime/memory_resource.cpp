#include "runtime/memory_resource.h"

#include <cstdlib>

#include "runtime/cuda_backend.h"
#include "runtime/error.h"

namespace gyre {
namespace {
bool is_power_of_two(std::size_t value) {
  return value != 0 && (value & (value - 1)) == 0;
}

// cudaMalloc and cudaHostAlloc align to at least 256 bytes; larger alignments are refused
// rather than silently ignored.
constexpr std::size_t kCudaAlignment = 256;

void check_cuda_alignment(const MemoryResource& resource, std::size_t alignment) {
  GYRE_CHECK(alignment <= kCudaAlignment, InvalidArgumentError, resource.name(),
             " cannot align to ", alignment, " bytes; CUDA allocations are aligned to ",
             kCudaAlignment);
}

void check_stream_device(const MemoryResource& resource, Stream stream) {
  GYRE_CHECK(stream.device() == resource.device() || stream.device().is_cpu(), DeviceError,
             resource.name(), " was given a stream of ", stream.device());
}
}  // namespace

const char* name_of(MemoryKind kind) {
  switch (kind) {
    case MemoryKind::host:
      return "host";
    case MemoryKind::pinned_host:
      return "pinned_host";
    case MemoryKind::device:
      return "device";
  }
  return "?";
}

void* MemoryResource::allocate(std::size_t bytes, std::size_t alignment, Stream stream) {
  GYRE_CHECK(is_power_of_two(alignment), InvalidArgumentError, name(), ": alignment ", alignment,
             " is not a power of two");
  if (bytes == 0) return nullptr;
  return do_allocate(bytes, alignment, stream);
}

void MemoryResource::deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                                Stream stream) noexcept {
  if (pointer == nullptr) return;
  do_deallocate(pointer, bytes, alignment, stream);
}

void* HostMemoryResource::do_allocate(std::size_t bytes, std::size_t alignment, Stream) {
  // aligned_alloc wants a size that is a multiple of the alignment.
  const std::size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  void* pointer =
      std::aligned_alloc(alignment < sizeof(void*) ? sizeof(void*) : alignment, rounded);
  GYRE_CHECK(pointer != nullptr, OutOfMemoryError, "host allocation of ", bytes,
             " bytes (alignment ", alignment, ") failed: the system is out of memory");
  return pointer;
}

void HostMemoryResource::do_deallocate(void* pointer, std::size_t, std::size_t, Stream) noexcept {
  std::free(pointer);
}

void* PinnedHostMemoryResource::do_allocate(std::size_t bytes, std::size_t alignment, Stream) {
  check_cuda_alignment(*this, alignment);
  return cuda_backend::malloc_pinned(bytes);
}

void PinnedHostMemoryResource::do_deallocate(void* pointer, std::size_t, std::size_t,
                                             Stream) noexcept {
  cuda_backend::free_pinned(pointer);
}

CudaMemoryResource::CudaMemoryResource(Device device) : device_(device) {
  GYRE_CHECK(device.is_cuda(), DeviceError, "CudaMemoryResource needs a CUDA device, got ", device);
  check_device(device);
}

std::string CudaMemoryResource::name() const {
  return strcat("cuda(", device_, ")");
}

void* CudaMemoryResource::do_allocate(std::size_t bytes, std::size_t alignment, Stream) {
  check_cuda_alignment(*this, alignment);
  return cuda_backend::malloc_device(bytes, device_.index);
}

void CudaMemoryResource::do_deallocate(void* pointer, std::size_t, std::size_t, Stream) noexcept {
  cuda_backend::free_device(pointer, device_.index);
}

CudaAsyncMemoryResource::CudaAsyncMemoryResource(Device device) : device_(device) {
  GYRE_CHECK(device.is_cuda(), DeviceError, "CudaAsyncMemoryResource needs a CUDA device, got ",
             device);
  check_device(device);
}

std::string CudaAsyncMemoryResource::name() const {
  return strcat("cuda_async(", device_, ")");
}

void* CudaAsyncMemoryResource::do_allocate(std::size_t bytes, std::size_t alignment,
                                           Stream stream) {
  check_cuda_alignment(*this, alignment);
  check_stream_device(*this, stream);
  return cuda_backend::malloc_device_async(bytes, stream.handle(), device_.index);
}

void CudaAsyncMemoryResource::do_deallocate(void* pointer, std::size_t, std::size_t,
                                            Stream stream) noexcept {
  cuda_backend::free_device_async(pointer, stream.handle(), device_.index);
}

}  // namespace gyre
