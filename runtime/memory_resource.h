#pragma once
// MemoryResource: the one allocation interface of Gyre (in the spirit of std::pmr and
// RMM's device_memory_resource). A non-virtual public interface validates arguments and
// calls the private virtual do_allocate/do_deallocate. Behaviour is added by adaptors
// around an upstream resource (statistics, caching, fault injection; AdaptorResource),
// never by flags.
#include <cstddef>
#include <memory>
#include <string>

#include "runtime/device.h"
#include "runtime/reserved_range.h"
#include "runtime/stream.h"

namespace gyre {

/// What kind of memory a resource hands out.
enum class MemoryKind { host, pinned_host, device };
const char* name_of(MemoryKind kind);

/// Alignment of every Gyre allocation unless asked otherwise (cuBLAS/cuDNN friendly).
constexpr std::size_t kDefaultAlignment = 256;

class MemoryResource {
 public:
  virtual ~MemoryResource() = default;
  MemoryResource() = default;
  MemoryResource(const MemoryResource&) = delete;
  MemoryResource& operator=(const MemoryResource&) = delete;

  /// `bytes` of memory aligned to `alignment` (a power of two), usable in `stream`'s order.
  /// Zero bytes returns nullptr without calling upstream. Throws OutOfMemoryError naming
  /// the request when the memory is not there.
  void* allocate(std::size_t bytes, std::size_t alignment = kDefaultAlignment, Stream stream = {});
  /// Returns memory from allocate() with the same bytes and alignment. Never throws.
  void deallocate(void* pointer, std::size_t bytes, std::size_t alignment = kDefaultAlignment,
                  Stream stream = {}) noexcept;

  /// Address space for up to `capacity` bytes of this resource's memory, committed on
  /// demand at stable addresses (0: a default: the device's memory, or
  /// host_address_space::default_reservation()). Null when the resource cannot map memory into
  /// reserved addresses; an arena of such a resource moves when it grows.
  std::unique_ptr<ReservedRange> reserve(std::size_t capacity);

  virtual MemoryKind kind() const = 0;
  /// The device whose memory this is (cpu:0 for host and pinned host memory).
  virtual Device device() const = 0;
  /// A short name for statistics and messages ("host", "cuda_async(cuda:0)").
  virtual std::string name() const = 0;

 private:
  virtual void* do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) = 0;
  virtual void do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                             Stream stream) noexcept = 0;
  virtual std::unique_ptr<ReservedRange> do_reserve(std::size_t capacity);
};

/// Base of the adaptors: the memory of `upstream`, whose kind and device it keeps.
class AdaptorResource : public MemoryResource {
 public:
  explicit AdaptorResource(MemoryResource& upstream) : upstream_(upstream) {}
  MemoryKind kind() const override { return upstream_.kind(); }
  Device device() const override { return upstream_.device(); }

 protected:
  MemoryResource& upstream_;
};

/// Aligned host memory from the C library.
class HostMemoryResource final : public MemoryResource {
 public:
  MemoryKind kind() const override { return MemoryKind::host; }
  Device device() const override { return Device::cpu(); }
  std::string name() const override { return "host"; }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) override;
  void do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                     Stream stream) noexcept override;
  std::unique_ptr<ReservedRange> do_reserve(std::size_t capacity) override;
};

/// Page-locked host memory of an accelerator (cudaHostAlloc, portable across devices; the
/// simulated device's own pinned memory): fast, asynchronous host-device copies. Throws
/// NotAvailableError for CUDA in a build without it. It offers no reservation (its arenas
/// move when they grow): pages registered chunk by chunk would let a copy cross two
/// registrations, and registering the range anew would race the copies in flight.
class PinnedHostMemoryResource final : public MemoryResource {
 public:
  explicit PinnedHostMemoryResource(DeviceType accelerator = DeviceType::cuda);
  MemoryKind kind() const override { return MemoryKind::pinned_host; }
  Device device() const override { return Device::cpu(); }
  std::string name() const override;
  DeviceType accelerator() const { return accelerator_; }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) override;
  void do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                     Stream stream) noexcept override;
  DeviceType accelerator_;
};

/// Device memory of an accelerator, allocated synchronously (cudaMalloc on CUDA; the stream
/// is ignored).
class DeviceMemoryResource final : public MemoryResource {
 public:
  explicit DeviceMemoryResource(Device device);
  MemoryKind kind() const override { return MemoryKind::device; }
  Device device() const override { return device_; }
  std::string name() const override;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) override;
  void do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                     Stream stream) noexcept override;
  std::unique_ptr<ReservedRange> do_reserve(std::size_t capacity) override;
  Device device_;
};

/// Stream-ordered device memory (cudaMallocAsync / cudaFreeAsync on CUDA).
class AsyncDeviceMemoryResource final : public MemoryResource {
 public:
  explicit AsyncDeviceMemoryResource(Device device);
  MemoryKind kind() const override { return MemoryKind::device; }
  Device device() const override { return device_; }
  std::string name() const override;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) override;
  void do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                     Stream stream) noexcept override;
  Stream on_device(Stream stream) const;
  Device device_;
};

}  // namespace gyre
