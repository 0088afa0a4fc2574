#include "runtime/memory_resource.h"

#include <cstdlib>

#include "runtime/accelerator.h"
#include "runtime/error.h"

namespace gyre {
namespace {
bool is_power_of_two(std::size_t value) {
  return value != 0 && (value & (value - 1)) == 0;
}

// cudaMalloc and cudaHostAlloc (and the simulated device) align to at least 256 bytes;
// larger alignments are refused rather than silently ignored.
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

std::unique_ptr<ReservedRange> MemoryResource::reserve(std::size_t capacity) {
  return do_reserve(capacity);
}

std::unique_ptr<ReservedRange> MemoryResource::do_reserve(std::size_t) {
  return nullptr;
}

std::unique_ptr<ReservedRange> HostMemoryResource::do_reserve(std::size_t capacity) {
  return std::make_unique<HostRange>(capacity != 0 ? capacity
                                                   : host_address_space::default_reservation());
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

PinnedHostMemoryResource::PinnedHostMemoryResource(DeviceType accelerator)
    : accelerator_(accelerator) {
  GYRE_CHECK(accelerator != DeviceType::cpu, DeviceError,
             "pinned host memory belongs to an accelerator (cuda or sim), not to the CPU");
  if (accelerator == DeviceType::cuda) {
    GYRE_CHECK(cuda_backend::compiled(), NotAvailableError,
               "pinned host memory needs CUDA, which is not available in this build");
  }
}

std::string PinnedHostMemoryResource::name() const {
  return accelerator_ == DeviceType::cuda ? "pinned_host"
                                          : strcat("pinned_host(", name_of(accelerator_), ")");
}

void* PinnedHostMemoryResource::do_allocate(std::size_t bytes, std::size_t alignment, Stream) {
  check_cuda_alignment(*this, alignment);
  return gyre::accelerator(accelerator_).malloc_pinned(bytes);
}

void PinnedHostMemoryResource::do_deallocate(void* pointer, std::size_t, std::size_t,
                                             Stream) noexcept {
  gyre::accelerator(accelerator_).free_pinned(pointer);
}

DeviceMemoryResource::DeviceMemoryResource(Device device) : device_(device) {
  GYRE_CHECK(device.is_accelerator(), DeviceError,
             "DeviceMemoryResource needs an accelerator (cuda or sim), got ", device);
  check_device(device);
}

std::string DeviceMemoryResource::name() const {
  return strcat(name_of(device_.type), "(", device_, ")");
}

void* DeviceMemoryResource::do_allocate(std::size_t bytes, std::size_t alignment, Stream) {
  check_cuda_alignment(*this, alignment);
  return accelerator(device_).malloc_device(bytes, device_.index);
}

std::unique_ptr<ReservedRange> DeviceMemoryResource::do_reserve(std::size_t capacity) {
  return accelerator(device_).reserve_device(capacity, device_.index);
}

void DeviceMemoryResource::do_deallocate(void* pointer, std::size_t, std::size_t, Stream) noexcept {
  accelerator(device_).free_device(pointer, device_.index);
}

AsyncDeviceMemoryResource::AsyncDeviceMemoryResource(Device device) : device_(device) {
  GYRE_CHECK(device.is_accelerator(), DeviceError,
             "AsyncDeviceMemoryResource needs an accelerator (cuda or sim), got ", device);
  check_device(device);
}

std::string AsyncDeviceMemoryResource::name() const {
  return strcat(name_of(device_.type), "_async(", device_, ")");
}

void* AsyncDeviceMemoryResource::do_allocate(std::size_t bytes, std::size_t alignment,
                                             Stream stream) {
  check_cuda_alignment(*this, alignment);
  check_stream_device(*this, stream);
  return accelerator(device_).malloc_device_async(bytes, on_device(stream));
}

void AsyncDeviceMemoryResource::do_deallocate(void* pointer, std::size_t, std::size_t,
                                              Stream stream) noexcept {
  accelerator(device_).free_device_async(pointer, on_device(stream));
}

// A CPU stream (no stream given) means the device's legacy stream.
Stream AsyncDeviceMemoryResource::on_device(Stream stream) const {
  return stream.device().is_cpu() ? Stream(device_, nullptr) : stream;
}

}  // namespace gyre
