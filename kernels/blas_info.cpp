#include "kernels/blas_info.h"

#include <cblas.h>

#include <algorithm>
#include <thread>

namespace gyre::kernels {

BlasInfo blas_info() {
  BlasInfo info;
  info.library = openblas_get_config();
  info.threads = openblas_get_num_threads();
  return info;
}

bool blas_uses_every_core() {
  static const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(openblas_get_num_threads()) >= cores;
}

}  // namespace gyre::kernels
