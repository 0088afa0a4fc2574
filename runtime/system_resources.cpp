#include "runtime/system_resources.h"

#include <memory>
#include <mutex>

#include "runtime/cuda_backend.h"
#include "runtime/error.h"
#include "runtime/fault_injecting_resource.h"

namespace gyre {
namespace {
// A plain resource and the fault-injecting adaptor everyone allocates through (disarmed:
// one atomic load per allocation).
template <typename Plain>
struct Wrapped {
  template <typename... Arguments>
  Wrapped(FaultTrigger& trigger, Arguments... arguments)
      : plain(arguments...), faulty(plain, trigger) {}
  Plain plain;
  FaultInjectingResource faulty;
};

struct Resources {
  std::mutex mutex;
  // Pinned memory per accelerator type: [0] CUDA's, [1] the simulated device's.
  FaultTrigger host_trigger, pinned_trigger[2], device_trigger[kMaxDevices];
  Wrapped<HostMemoryResource> host{host_trigger};
  std::unique_ptr<Wrapped<PinnedHostMemoryResource>> pinned[2];
  std::unique_ptr<Wrapped<DeviceMemoryResource>> device[kMaxDevices];
  std::unique_ptr<Wrapped<AsyncDeviceMemoryResource>> async_device[kMaxDevices];
};

Resources& resources() {
  static auto* instance = new Resources();  // never destroyed, see the header
  return *instance;
}

void check_accelerator(Device device) {
  GYRE_CHECK(device.is_accelerator(), DeviceError,
             "a device memory resource needs an accelerator (cuda or sim), got ", device);
  check_device(device);
}

int pinned_index(Device device) {
  GYRE_CHECK(device.is_accelerator(), DeviceError,
             "pinned host memory belongs to an accelerator (cuda or sim), got ", device);
  return device.is_cuda() ? 0 : 1;
}

template <typename Resource>
MemoryResource& per_device(std::unique_ptr<Wrapped<Resource>> (&table)[kMaxDevices],
                           Device device) {
  check_accelerator(device);
  Resources& all = resources();
  std::lock_guard<std::mutex> lock(all.mutex);
  const int slot = device_slot(device);
  if (!table[slot])
    table[slot] = std::make_unique<Wrapped<Resource>>(all.device_trigger[slot], device);
  return table[slot]->faulty;
}
}  // namespace

MemoryResource& host_resource() {
  return resources().host.faulty;
}

MemoryResource& pinned_host_resource(Device accelerator) {
  const int index = pinned_index(accelerator);
  Resources& all = resources();
  std::lock_guard<std::mutex> lock(all.mutex);
  if (!all.pinned[index]) {
    all.pinned[index] = std::make_unique<Wrapped<PinnedHostMemoryResource>>(
        all.pinned_trigger[index], accelerator.type);
  }
  return all.pinned[index]->faulty;
}

MemoryResource& device_resource(Device device) {
  return per_device(resources().device, device);
}

MemoryResource& async_device_resource(Device device) {
  return per_device(resources().async_device, device);
}

FaultTrigger& fault_injection(MemoryKind kind, Device device) {
  Resources& all = resources();
  switch (kind) {
    case MemoryKind::host:
      return all.host_trigger;
    case MemoryKind::pinned_host: {
      const Device owner = device.is_cpu() ? Device::cuda(0) : device;  // the CPU: CUDA's
      GYRE_CHECK(!owner.is_cuda() || cuda_backend::compiled(), NotAvailableError,
                 "pinned memory faults need CUDA, which is not available in this build");
      return all.pinned_trigger[pinned_index(owner)];
    }
    case MemoryKind::device:
      check_accelerator(device);
      return all.device_trigger[device_slot(device)];
  }
  throw InvalidArgumentError("fault_injection: unknown memory kind");
}

}  // namespace gyre
