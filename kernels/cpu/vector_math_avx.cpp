// Compiled with -mavx: the 8-wide loop of cpu/vector_math.cpp (AVX has no FMA).
#include <sleef.h>

#include "kernels/cpu/vector_math_widths.h"

namespace gyre::kernels::cpu::widths {

std::int64_t avx(Function function, const float* x, float* y, std::int64_t n) {
  std::int64_t i = 0;
  const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    __m256 r;
    if (function == Function::exp)
      r = Sleef_cinz_expf8_u10avx(v);
    else if (function == Function::tanh)
      r = Sleef_cinz_tanhf8_u10avx(v);
    else  // sigmoid: 1 / (1 + exp(0 − x))
      r = _mm256_div_ps(one, _mm256_add_ps(one, Sleef_cinz_expf8_u10avx(_mm256_sub_ps(zero, v))));
    _mm256_storeu_ps(y + i, r);
  }
  return i;
}

}  // namespace gyre::kernels::cpu::widths
