#include "kernels/cpu/vector_math.h"

#include <sleef.h>

#include "kernels/cpu/vector_math_widths.h"

namespace gyre::kernels::cpu {
namespace widths {

// One element, with the scalar twins of the vector functions (the same algorithm, so the
// same bits): the tails, and CPUs other than x86-64. 0 − x, as the vectors negate.
float scalar(Function function, float x) {
  switch (function) {
    case Function::exp:
      return Sleef_cinz_expf1_u10purec(x);
    case Function::tanh:
      return Sleef_cinz_tanhf1_u10purec(x);
    case Function::sigmoid:
      return 1.0f / (1.0f + Sleef_cinz_expf1_u10purec(0.0f - x));
  }
  return x;
}

#if defined(__x86_64__) && defined(__GNUC__)
// SSE2 is every x86-64 CPU's.
std::int64_t sse2(Function function, const float* x, float* y, std::int64_t n) {
  std::int64_t i = 0;
  const __m128 one = _mm_set1_ps(1.0f), zero = _mm_setzero_ps();
  for (; i + 4 <= n; i += 4) {
    const __m128 v = _mm_loadu_ps(x + i);
    __m128 r;
    if (function == Function::exp)
      r = Sleef_cinz_expf4_u10sse2(v);
    else if (function == Function::tanh)
      r = Sleef_cinz_tanhf4_u10sse2(v);
    else
      r = _mm_div_ps(one, _mm_add_ps(one, Sleef_cinz_expf4_u10sse2(_mm_sub_ps(zero, v))));
    _mm_storeu_ps(y + i, r);
  }
  return i;
}
#endif

}  // namespace widths

namespace {
using widths::Function;

#if defined(__x86_64__) && defined(__GNUC__)
using Loop = std::int64_t (*)(Function, const float*, float*, std::int64_t);

Loop widest() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return widths::avx512;
  if (__builtin_cpu_supports("avx")) return widths::avx;
  return widths::sse2;
}
#endif

void apply(Function function, const float* x, float* y, std::int64_t n) {
  std::int64_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
  static const Loop loop = widest();
  i = loop(function, x, y, n);
#endif
  for (; i < n; ++i) y[i] = widths::scalar(function, x[i]);
}

}  // namespace

void exp_array(const float* x, float* y, std::int64_t n) {
  apply(Function::exp, x, y, n);
}
void tanh_array(const float* x, float* y, std::int64_t n) {
  apply(Function::tanh, x, y, n);
}
void sigmoid_array(const float* x, float* y, std::int64_t n) {
  apply(Function::sigmoid, x, y, n);
}

}  // namespace gyre::kernels::cpu
