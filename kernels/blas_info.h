#pragma once
// Which BLAS the CPU kernels run on, and with how many threads.
#include <string>

namespace gyre::kernels {

struct BlasInfo {
  std::string library;  // "OpenBLAS 0.3.21 ..." as the library describes itself
  int threads = 0;      // threads OpenBLAS uses (OPENBLAS_NUM_THREADS or the core count)
};

BlasInfo blas_info();

}  // namespace gyre::kernels
