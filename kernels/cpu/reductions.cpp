// Reductions over one axis of [outer, axis, inner] on the CPU (sums in double).
#include <algorithm>
#include <limits>

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
    // Row by row over a tile of `inner`, so that memory is read in order (a column walk with
    // stride `inner` was 40x slower for the bias gradient's [batch, features] sum).
    constexpr std::int64_t kTile = 256;
    for (std::int64_t start = 0; start < inner; start += kTile) {
      const std::int64_t width = std::min(kTile, inner - start);
      double totals[kTile] = {};
      for (std::int64_t a = 0; a < axis; ++a) {
        const float* row = block + a * inner + start;
        for (std::int64_t i = 0; i < width; ++i) totals[i] += row[i];
      }
      const double divisor = reduction == Reduction::mean ? static_cast<double>(axis) : 1.0;
      for (std::int64_t i = 0; i < width; ++i)
        out[start + i] = static_cast<float>(totals[i] / divisor);
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
