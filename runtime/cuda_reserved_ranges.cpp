// Stable-address ranges of the CUDA accelerator: device memory through CUDA's virtual
// memory management.
#include "runtime/cuda_accelerator.h"
#include "runtime/error.h"

namespace gyre {
namespace {

class CudaDeviceRange final : public ReservedRange {
 public:
  CudaDeviceRange(std::size_t capacity, std::size_t granularity, int device)
      : ReservedRange(static_cast<char*>(cuda_backend::vmm_reserve(capacity, device)), capacity,
                      granularity),
        device_(device) {}
  ~CudaDeviceRange() override {
    unmap_all();
    cuda_backend::vmm_release(base(), capacity());
  }

 private:
  void* map(std::size_t from, std::size_t to) override {
    return cuda_backend::vmm_map(base() + from, to - from, device_);
  }
  void unmap(std::size_t from, std::size_t to, void* handle) noexcept override {
    cuda_backend::vmm_unmap(base() + from, to - from, handle, device_);
  }
  int device_;
};

}  // namespace

std::unique_ptr<ReservedRange> CudaAccelerator::reserve_device(std::size_t capacity, int device) {
  const std::size_t granularity = cuda_backend::vmm_granularity(device);
  if (granularity == 0) return nullptr;  // no virtual memory management: arenas move
  if (capacity == 0)
    capacity = default_device_reservation(cuda_backend::properties(device).total_memory);
  capacity = (capacity + granularity - 1) / granularity * granularity;
  return std::make_unique<CudaDeviceRange>(capacity, granularity, device);
}

}  // namespace gyre
