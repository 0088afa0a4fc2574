#include "nn/prefetch_pacing.h"

#include "kernels/blas_info.h"

namespace gyre::nn {

bool BusyCoresPacing::hold_during_products(Device device) const {
  return device.is_cpu() && kernels::blas_uses_every_core();
}

}  // namespace gyre::nn
