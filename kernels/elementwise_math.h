#pragma once
// The scalar formulas of the elementwise ops, activations and their derivatives, shared by
// the CPU and CUDA kernels so that both compute the same thing.
#include <cmath>

#include "kernels/host_device.h"
#include "kernels/kernel_types.h"

namespace gyre::kernels::math {

GYRE_HOST_DEVICE float apply(UnaryOp op, float x) {
  switch (op) {
    case UnaryOp::negate:
      return -x;
    case UnaryOp::exp:
      return expf(x);
    case UnaryOp::log:
      return logf(x);
    case UnaryOp::sqrt:
      return sqrtf(x);
    case UnaryOp::abs:
      return fabsf(x);
    case UnaryOp::square:
      return x * x;
    case UnaryOp::reciprocal:
      return 1.0f / x;
  }
  return x;
}

GYRE_HOST_DEVICE float apply(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::add:
      return a + b;
    case BinaryOp::subtract:
      return a - b;
    case BinaryOp::multiply:
      return a * b;
    case BinaryOp::divide:
      return a / b;
    case BinaryOp::maximum:
      return a > b ? a : b;
    case BinaryOp::minimum:
      return a < b ? a : b;
  }
  return a;
}

constexpr float kInverseSqrt2 = 0.70710678118654752f;
constexpr float kInverseSqrt2Pi = 0.39894228040143268f;

/// y = f(x) for the elementwise activations (softmax is not elementwise).
GYRE_HOST_DEVICE float activate(Activation activation, float x, float alpha) {
  switch (activation) {
    case Activation::identity:
      return x;
    case Activation::relu:
      return x > 0.0f ? x : 0.0f;
    case Activation::leaky_relu:
      return x > 0.0f ? x : alpha * x;
    case Activation::elu:
      return x > 0.0f ? x : alpha * (expf(x) - 1.0f);
    case Activation::tanh:
      return tanhf(x);
    case Activation::sigmoid:
      return 1.0f / (1.0f + expf(-x));
    case Activation::gelu:
      return 0.5f * x * (1.0f + erff(x * kInverseSqrt2));
    case Activation::softmax:
      return x;
  }
  return x;
}

/// dy/dx at x, given y = f(x) (cheaper where the derivative is a function of y).
GYRE_HOST_DEVICE float activation_derivative(Activation activation, float x, float y, float alpha) {
  switch (activation) {
    case Activation::identity:
      return 1.0f;
    case Activation::relu:
      return x > 0.0f ? 1.0f : 0.0f;
    case Activation::leaky_relu:
      return x > 0.0f ? 1.0f : alpha;
    case Activation::elu:
      return x > 0.0f ? 1.0f : y + alpha;
    case Activation::tanh:
      return 1.0f - y * y;
    case Activation::sigmoid:
      return y * (1.0f - y);
    case Activation::gelu:
      return 0.5f * (1.0f + erff(x * kInverseSqrt2)) + x * kInverseSqrt2Pi * expf(-0.5f * x * x);
    case Activation::softmax:
      return 1.0f;
  }
  return 1.0f;
}

}  // namespace gyre::kernels::math
