#pragma once
// Which BLAS the CPU kernels run on, and with how many threads.
#include <string>

namespace gyre::kernels {

struct BlasInfo {
  std::string library;  // "OpenBLAS 0.3.21 ..." as the library describes itself
  int threads = 0;      // threads OpenBLAS uses (OPENBLAS_NUM_THREADS or the core count)
};

BlasInfo blas_info();
/// Whether OpenBLAS's threads take every core during a product: then no core idles while a
/// step multiplies, and background work (preparing the next batch) slows the step down.
bool blas_uses_every_core();

}  // namespace gyre::kernels
