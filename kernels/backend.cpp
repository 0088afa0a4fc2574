#include "kernels/backend.h"

#include "kernels/cpu/cpu_backend.h"
#include "kernels/sim/sim_backend.h"
#include "runtime/error.h"

namespace gyre::kernels {

Backend& cpu_backend() {
  static CpuBackend backend;
  return backend;
}

Backend& sim_backend() {
  static SimBackend backend;
  return backend;
}

Backend& backend_for(Device device) {
  if (device.is_cpu()) return cpu_backend();
  check_device(device);
  return device.is_sim() ? sim_backend() : cuda_backend_instance();
}

}  // namespace gyre::kernels
