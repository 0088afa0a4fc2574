#include "runtime/accelerator.h"

#include "runtime/cuda_accelerator.h"
#include "runtime/error.h"
#include "runtime/sim/sim_accelerator.h"

namespace gyre {

Accelerator& accelerator(DeviceType type) {
  switch (type) {
    case DeviceType::cuda: {
      static CudaAccelerator cuda;
      return cuda;
    }
    case DeviceType::sim:
      return sim::SimAccelerator::instance();
    case DeviceType::cpu:
      break;
  }
  throw DeviceError("the CPU is not an accelerator: it has no device memory or streams of its own");
}

Accelerator& accelerator(Device device) {
  return accelerator(device.type);
}

}  // namespace gyre
