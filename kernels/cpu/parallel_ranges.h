#pragma once
// parallel_ranges(count, grain, f): f(first, last) over [0, count) split into contiguous
// ranges, one per thread of OpenBLAS's pool (its OpenMP build shares the pool with these
// loops, and openblas_set_num_threads is the one knob), when each range gets at least
// `grain` elements; otherwise one call on this thread. Elementwise work gives the same bits
// however it is split. f must not throw.
#include <cblas.h>

#include <algorithm>
#include <cstdint>

#if GYRE_OPENMP
#include <omp.h>
#endif

namespace gyre::kernels {

template <typename Function>
void parallel_ranges(std::int64_t count, std::int64_t grain, Function f) {
#if GYRE_OPENMP
  const auto threads = static_cast<int>(
      std::min<std::int64_t>(openblas_get_num_threads(), count / std::max<std::int64_t>(grain, 1)));
  if (threads > 1) {
#pragma omp parallel num_threads(threads)
    {
      const std::int64_t t = omp_get_thread_num(), n = omp_get_num_threads();
      f(count * t / n, count * (t + 1) / n);
    }
    return;
  }
#else
  (void)grain;
#endif
  f(std::int64_t{0}, count);
}

}  // namespace gyre::kernels
