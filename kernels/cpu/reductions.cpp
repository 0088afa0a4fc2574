// Reductions over one axis of [outer, axis, inner] on the CPU (sums in double).
#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/cpu/cpu_backend.h"

namespace gyre::kernels {

void CpuBackend::reduce(Reduction reduction, const float* x, float* y, std::int64_t outer,
                        std::int64_t axis, std::int64_t inner, Stream) {
  for (std::int64_t o = 0; o < outer; ++o) {
    const float* block = x + o * axis * inner;
    float* out = y + o * inner;
    if (reduction == Reduction::max) {
      for (std::int64_t i = 0; i < inner; ++i) out[i] = -std::numeric_limits<float>::infinity();
      for (std::int64_t a = 0; a < axis; ++a) {
        for (std::int64_t i = 0; i < inner; ++i) out[i] = std::max(out[i], block[a * inner + i]);
      }
      continue;
    }
    for (std::int64_t i = 0; i < inner; ++i) {
      double total = 0.0;
      for (std::int64_t a = 0; a < axis; ++a) total += block[a * inner + i];
      out[i] = static_cast<float>(reduction == Reduction::mean ? total / static_cast<double>(axis)
                                                               : total);
    }
  }
}

void CpuBackend::argmax(const float* x, std::int64_t* y, std::int64_t outer, std::int64_t axis,
                        std::int64_t inner, Stream) {
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      const float* column = x + o * axis * inner + i;
      std::int64_t best = 0;
      for (std::int64_t a = 1; a < axis; ++a) {
        if (column[a * inner] > column[best * inner]) best = a;  // the first of equal maxima
      }
      y[o * inner + i] = best;
    }
  }
}

}  // namespace gyre::kernels
