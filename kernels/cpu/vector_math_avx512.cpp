// Compiled with -mavx512f: the 16-wide loop of cpu/vector_math.cpp (no FMA: the "nofma"
// functions, and -ffp-contract=off).
#include <sleef.h>

#include "kernels/cpu/vector_math_widths.h"

namespace gyre::kernels::cpu::widths {

std::int64_t avx512(Function function, const float* x, float* y, std::int64_t n) {
  std::int64_t i = 0;
  const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    __m512 r;
    if (function == Function::exp)
      r = Sleef_cinz_expf16_u10avx512fnofma(v);
    else if (function == Function::tanh)
      r = Sleef_cinz_tanhf16_u10avx512fnofma(v);
    else  // sigmoid: 1 / (1 + exp(0 − x))
      r = _mm512_div_ps(
          one, _mm512_add_ps(one, Sleef_cinz_expf16_u10avx512fnofma(_mm512_sub_ps(zero, v))));
    _mm512_storeu_ps(y + i, r);
  }
  return i;
}

}  // namespace gyre::kernels::cpu::widths
