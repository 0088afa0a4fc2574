#pragma once
// exp, tanh and sigmoid over arrays, vectorized by SLEEF (Debian's libsleef-dev). Its
// deterministic functions (the "cinz" ones: no fused multiply-add, at most 1 ulp from the
// exact value) compute the same bits at every vector width, scalar included, so a CPU with
// AVX-512 and one with only SSE2 agree bit for bit, the tail of an array too. libm's expf
// and tanhf, called per element, left the LSTM cell unvectorized.
#include <cstdint>

namespace gyre::kernels::cpu {

/// y[i] = f(x[i]) for i < n; y may be x.
void exp_array(const float* x, float* y, std::int64_t n);
void tanh_array(const float* x, float* y, std::int64_t n);
/// 1 / (1 + exp(−x)).
void sigmoid_array(const float* x, float* y, std::int64_t n);

}  // namespace gyre::kernels::cpu
