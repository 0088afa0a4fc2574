#pragma once
// The vector widths of cpu/vector_math.cpp, each in a file compiled for its instruction set
// (SLEEF declares a width's functions only when the compiler targets it). These files
// include nothing but SLEEF and the intrinsics, so no inline function compiled for AVX-512
// can be linked into code that runs elsewhere.
#include <cstdint>

namespace gyre::kernels::cpu::widths {

enum class Function { exp, tanh, sigmoid };

/// f over the whole vectors of x[0, n) into y; returns how many elements were done (the
/// rest is the caller's, in scalar).
std::int64_t avx512(Function function, const float* x, float* y, std::int64_t n);
std::int64_t avx(Function function, const float* x, float* y, std::int64_t n);
std::int64_t sse2(Function function, const float* x, float* y, std::int64_t n);
/// One element with the scalar twin of the vector functions: the same bits.
float scalar(Function function, float x);

}  // namespace gyre::kernels::cpu::widths
