#include "runtime/system_resources.h"

#include <memory>
#include <mutex>

#include "runtime/error.h"
#include "runtime/fault_injecting_resource.h"

namespace gyre {
namespace {
struct Resources {
  std::mutex mutex;
  HostMemoryResource plain_host;
  FaultInjectingResource host{plain_host};  // disarmed: one atomic load per allocation
  std::unique_ptr<PinnedHostMemoryResource> pinned;
  std::unique_ptr<CudaMemoryResource> device[kMaxDevices];
  std::unique_ptr<CudaAsyncMemoryResource> async_device[kMaxDevices];
};

Resources& resources() {
  static auto* instance = new Resources();  // never destroyed, see the header
  return *instance;
}

template <typename Resource>
MemoryResource& per_device(std::unique_ptr<Resource> (&table)[kMaxDevices], Device device) {
  GYRE_CHECK(device.is_cuda(), DeviceError, "a device memory resource needs a CUDA device, got ",
             device);
  check_device(device);
  std::lock_guard<std::mutex> lock(resources().mutex);
  std::unique_ptr<Resource>& slot = table[device_slot(device)];
  if (!slot) slot = std::make_unique<Resource>(device);
  return *slot;
}
}  // namespace

MemoryResource& host_resource() {
  return resources().host;
}

FaultInjectingResource& host_fault_injection() {
  return resources().host;
}

MemoryResource& pinned_host_resource() {
  Resources& all = resources();
  std::lock_guard<std::mutex> lock(all.mutex);
  if (!all.pinned) all.pinned = std::make_unique<PinnedHostMemoryResource>();
  return *all.pinned;
}

MemoryResource& device_resource(Device device) {
  return per_device(resources().device, device);
}

MemoryResource& async_device_resource(Device device) {
  return per_device(resources().async_device, device);
}

}  // namespace gyre
