#include "kernels/blas_info.h"

#include <cblas.h>

namespace gyre::kernels {

BlasInfo blas_info() {
  BlasInfo info;
  info.library = openblas_get_config();
  info.threads = openblas_get_num_threads();
  return info;
}

}  // namespace gyre::kernels
