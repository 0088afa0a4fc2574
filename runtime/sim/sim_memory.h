#pragma once
// The simulated devices' memory: device memory per device, with a capacity (so that
// out-of-memory paths are real), and pinned host memory, each allocation registered so that
// every pointer handed to a stream operation can be told apart: device memory of which
// device, pinned host memory, or pageable host memory. Fresh device memory is filled with
// 0xFF bytes (NaN as f32), so a read of memory nothing wrote shows.
#include <cstddef>
#include <cstdint>
#include <map>
#include <shared_mutex>

#include "runtime/device.h"
#include "runtime/memory_resource.h"

namespace gyre::sim {

/// What a range of addresses is.
struct Region {
  MemoryKind kind = MemoryKind::host;  // host: pageable, not known to the simulation
  int device = -1;                     // for device memory
};

class SimMemory {
 public:
  static SimMemory& instance();

  /// Throws OutOfMemoryError naming the device, the request and what is in use.
  void* allocate_device(int device, std::size_t bytes);
  void free_device(void* pointer) noexcept;
  void* allocate_pinned(std::size_t bytes);
  void free_pinned(void* pointer) noexcept;

  /// A reserved range of `region`'s memory at `base`, with nothing committed yet (a
  /// cuMemAddressReserve): its committed part is a registered allocation, the rest is not.
  void add_reserved(const char* base, Region region);
  /// Sets the committed bytes of the range at `base` (a cuMemCreate + cuMemMap when it
  /// grows: counted against the device's capacity, and as one allocation).
  void set_committed(const char* base, std::size_t bytes);
  void remove_reserved(const char* base) noexcept;

  /// The memory [pointer, pointer + bytes) lies in. Throws DeviceError when it starts in a
  /// registered allocation and runs past its end.
  Region classify(const void* pointer, std::size_t bytes) const;

  std::size_t bytes_in_use(int device) const;
  /// Device allocations made on `device` so far (cudaMalloc and cudaMallocAsync alike).
  std::uint64_t allocations(int device) const;

 private:
  struct Block {
    std::size_t bytes;
    Region region;
    bool reserved = false;  // a reserved range: freed by remove_reserved, not free_*
  };
  void* allocate(std::size_t bytes, Region region);
  std::size_t release(void* pointer, MemoryKind kind) noexcept;
  void charge(int device, std::size_t bytes, std::size_t request);

  mutable std::shared_mutex mutex_;
  std::map<std::uintptr_t, Block> blocks_;
  std::size_t in_use_[kMaxDevicesPerType] = {};
  std::uint64_t allocations_[kMaxDevicesPerType] = {};
};

}  // namespace gyre::sim
