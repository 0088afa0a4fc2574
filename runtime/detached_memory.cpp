#include "runtime/detached_memory.h"

#include <memory>
#include <mutex>

namespace gyre {
namespace {
struct DeviceCache {
  std::unique_ptr<MemoryResource> upstream;
  std::unique_ptr<CachingResource> cache;
};
}  // namespace

CachingResource& detached_resource(Device device) {
  check_device(device);
  // Deliberately never destroyed: detached tensors held by static objects may be released
  // after static destructors have run, and CUDA may be shut down by then.
  static auto* caches = new DeviceCache[kMaxDevices];
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  DeviceCache& entry = caches[device_slot(device)];
  if (!entry.cache) {
    if (device.is_cpu()) entry.upstream = std::make_unique<HostMemoryResource>();
    else entry.upstream = std::make_unique<CudaAsyncMemoryResource>(device);
    entry.cache = std::make_unique<CachingResource>(*entry.upstream);
  }
  return *entry.cache;
}

}  // namespace gyre
