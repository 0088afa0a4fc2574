// Elementwise ops and activations on the CPU: the formulas of kernels/elementwise_math.h in
// plain loops (the compiler vectorizes them); exp, tanh and sigmoid through SLEEF
// (cpu/vector_math.h), which libm's per-element calls kept scalar.
#include <algorithm>
#include <cmath>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/vector_math.h"
#include "kernels/elementwise_math.h"

namespace gyre::kernels {

void CpuBackend::unary(UnaryOp op, const float* x, float* y, std::int64_t count, Stream) {
  if (op == UnaryOp::exp) return cpu::exp_array(x, y, count);
  for (std::int64_t i = 0; i < count; ++i) y[i] = math::apply(op, x[i]);
}

namespace {
template <BinaryOp op>
void binary_loop(const float* a, const float* b, float* y, std::int64_t rows, std::int64_t cols,
                 Broadcast broadcast, std::int64_t channels) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* a_row = a + r * cols;
    float* y_row = y + r * cols;
    if (broadcast == Broadcast::none) {
      const float* b_row = b + r * cols;
      for (std::int64_t c = 0; c < cols; ++c) y_row[c] = math::apply(op, a_row[c], b_row[c]);
    } else if (broadcast == Broadcast::row) {
      for (std::int64_t c = 0; c < cols; ++c) y_row[c] = math::apply(op, a_row[c], b[c]);
    } else {
      const float value = broadcast == Broadcast::column ? b[r] : b[r % channels];
      for (std::int64_t c = 0; c < cols; ++c) y_row[c] = math::apply(op, a_row[c], value);
    }
  }
}
}  // namespace

void CpuBackend::binary(BinaryOp op, const float* a, const float* b, float* y, std::int64_t rows,
                        std::int64_t cols, Broadcast broadcast, std::int64_t channels, Stream) {
  // One instantiation per operator, so that each inner loop is a straight vectorizable line.
  switch (op) {
    case BinaryOp::add:
      return binary_loop<BinaryOp::add>(a, b, y, rows, cols, broadcast, channels);
    case BinaryOp::subtract:
      return binary_loop<BinaryOp::subtract>(a, b, y, rows, cols, broadcast, channels);
    case BinaryOp::multiply:
      return binary_loop<BinaryOp::multiply>(a, b, y, rows, cols, broadcast, channels);
    case BinaryOp::divide:
      return binary_loop<BinaryOp::divide>(a, b, y, rows, cols, broadcast, channels);
    case BinaryOp::maximum:
      return binary_loop<BinaryOp::maximum>(a, b, y, rows, cols, broadcast, channels);
    case BinaryOp::minimum:
      return binary_loop<BinaryOp::minimum>(a, b, y, rows, cols, broadcast, channels);
  }
}

void CpuBackend::activation_forward(Activation activation, float alpha, const float* x, float* y,
                                    std::int64_t rows, std::int64_t cols, Stream) {
  if (activation == Activation::softmax) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* in = x + r * cols;
      float* out = y + r * cols;
      const float largest = *std::max_element(in, in + cols);
      for (std::int64_t c = 0; c < cols; ++c) out[c] = in[c] - largest;
      cpu::exp_array(out, out, cols);
      double total = 0.0;
      for (std::int64_t c = 0; c < cols; ++c) total += out[c];
      const float inverse = static_cast<float>(1.0 / total);
      for (std::int64_t c = 0; c < cols; ++c) out[c] *= inverse;
    }
    return;
  }
  const std::int64_t count = rows * cols;
  if (activation == Activation::relu) {  // the common case, kept branch-free for the vectorizer
    for (std::int64_t i = 0; i < count; ++i) y[i] = std::max(x[i], 0.0f);
    return;
  }
  if (activation == Activation::tanh) return cpu::tanh_array(x, y, count);
  if (activation == Activation::sigmoid) return cpu::sigmoid_array(x, y, count);
  for (std::int64_t i = 0; i < count; ++i) y[i] = math::activate(activation, x[i], alpha);
}

void CpuBackend::activation_backward(Activation activation, float alpha, const float* x,
                                     const float* y, const float* dy, float* dx, std::int64_t rows,
                                     std::int64_t cols, Stream) {
  if (activation == Activation::softmax) {
    // dx = y ⊙ (dy − Σ dy ⊙ y), row by row.
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* y_row = y + r * cols;
      const float* dy_row = dy + r * cols;
      double dot = 0.0;
      for (std::int64_t c = 0; c < cols; ++c) dot += static_cast<double>(dy_row[c]) * y_row[c];
      for (std::int64_t c = 0; c < cols; ++c)
        dx[r * cols + c] = y_row[c] * (dy_row[c] - static_cast<float>(dot));
    }
    return;
  }
  const std::int64_t count = rows * cols;
  if (activation == Activation::relu) {
    // dy is read unconditionally, so the loop is a select the compiler can vectorize (a
    // load under a condition is not).
    for (std::int64_t i = 0; i < count; ++i) {
      const float gradient = dy[i];
      dx[i] = x[i] > 0.0f ? gradient : 0.0f;
    }
    return;
  }
  for (std::int64_t i = 0; i < count; ++i)
    dx[i] = dy[i] * math::activation_derivative(activation, x[i], y[i], alpha);
}

}  // namespace gyre::kernels
