#include "runtime/detached_memory.h"

#include <memory>
#include <mutex>

#include "runtime/accelerator.h"
#include "runtime/log.h"
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

void retire_stream(Stream stream) noexcept {
  const Device device = stream.device();
  void* handle = stream.handle();
  try {
    detached_resource(device).retire_stream(
        stream, [device, handle] { accelerator(device).destroy_stream(handle); });
  } catch (const std::exception& error) {  // no memory to defer with: destroy it now
    GYRE_LOG(runtime, error, "retiring a stream of ", device, " failed (", error.what(),
             "); destroying it now");
    accelerator(device).destroy_stream(handle);
  }
}

}  // namespace gyre
