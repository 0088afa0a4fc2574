#pragma once
// Softmax over the last axis of a [rows, cols] matrix on cuDNN (its accurate,
// max-subtracting algorithm), forward and backward.
#include <cstdint>

#include "runtime/stream.h"

namespace gyre::kernels::cuda {

void softmax_forward(const float* x, float* y, std::int64_t rows, std::int64_t cols, Stream stream);
/// dx = y ⊙ (dy − Σ dy ⊙ y), per row.
void softmax_backward(const float* y, const float* dy, float* dx, std::int64_t rows,
                      std::int64_t cols, Stream stream);

}  // namespace gyre::kernels::cuda
