#include "runtime/detached_memory.h"

#include <memory>
#include <mutex>

#include "runtime/system_resources.h"

namespace gyre {

CachingResource& detached_resource(Device device) {
  check_device(device);
  // Never destroyed: detached tensors held by static objects may be released after static
  // destructors have run.
  static auto* caches = new std::unique_ptr<CachingResource>[kMaxDevices];
  static std::mutex mutex;
  MemoryResource& upstream = device.is_cpu() ? host_resource() : async_device_resource(device);
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<CachingResource>& cache = caches[device_slot(device)];
  if (!cache) cache = std::make_unique<CachingResource>(upstream);
  return *cache;
}

}  // namespace gyre
