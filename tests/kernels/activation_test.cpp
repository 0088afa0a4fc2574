#include <catch2/catch.hpp>
#include <cmath>

#include "kernels/ops.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::kernels;
using testing::random_tensor;
using testing::values_of;

namespace {
const Activation kAll[] = {Activation::identity, Activation::relu,   Activation::leaky_relu,
                           Activation::elu,      Activation::tanh,   Activation::sigmoid,
                           Activation::gelu,     Activation::softmax};

std::vector<double> reference(Activation activation, const std::vector<double>& x,
                              std::int64_t cols, double alpha) {
  std::vector<double> y(x.size());
  if (activation == Activation::softmax) {
    for (std::size_t r = 0; r < x.size() / cols; ++r) {
      double largest = -1e300, total = 0.0;
      for (std::int64_t c = 0; c < cols; ++c) largest = std::max(largest, x[r * cols + c]);
      for (std::int64_t c = 0; c < cols; ++c) total += std::exp(x[r * cols + c] - largest);
      for (std::int64_t c = 0; c < cols; ++c)
        y[r * cols + c] = std::exp(x[r * cols + c] - largest) / total;
    }
    return y;
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    switch (activation) {
      case Activation::identity:
        y[i] = v;
        break;
      case Activation::relu:
        y[i] = v > 0 ? v : 0;
        break;
      case Activation::leaky_relu:
        y[i] = v > 0 ? v : alpha * v;
        break;
      case Activation::elu:
        y[i] = v > 0 ? v : alpha * (std::exp(v) - 1);
        break;
      case Activation::tanh:
        y[i] = std::tanh(v);
        break;
      case Activation::sigmoid:
        y[i] = 1 / (1 + std::exp(-v));
        break;
      case Activation::gelu:
        y[i] = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
        break;
      case Activation::softmax:
        break;
    }
  }
  return y;
}

// Inputs away from the kinks of ReLU-like functions, so that finite differences are exact.
Tensor smooth_inputs(std::uint32_t seed) {
  Tensor x = random_tensor({7, 9}, seed, -3.0f, 3.0f);
  float* data = x.data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    if (std::fabs(data[i]) < 0.1f) data[i] += data[i] < 0 ? -0.2f : 0.2f;
  }
  return x;
}
}  // namespace

TEST_CASE("activations match float64", "[kernels][activations]") {
  for (Activation activation : kAll) {
    INFO(name_of(activation));
    const Tensor x = random_tensor({7, 9}, 11, -3.0f, 3.0f);
    const double alpha = default_alpha(activation);
    testing::require_close(activation_forward(activation, x),
                           reference(activation, values_of(x), 9, alpha), 1e-5, 1e-6);
  }
  const Tensor x = random_tensor({4, 5}, 12, -3.0f, 3.0f);
  testing::require_close(activation_forward(Activation::leaky_relu, x, 0.2f),
                         reference(Activation::leaky_relu, values_of(x), 5, 0.2), 1e-6, 1e-6);
}

TEST_CASE("activation gradients agree with finite differences",
          "[kernels][activations][gradient]") {
  for (Activation activation : kAll) {
    INFO(name_of(activation));
    const Tensor x = smooth_inputs(21);
    const Tensor weights = random_tensor(x.shape(), 22);
    const std::vector<double> w = values_of(weights);
    const Tensor y = activation_forward(activation, x);
    const Tensor dx = activation_backward(activation, x, y, weights);
    const auto numeric = testing::numeric_gradient(
        x,
        [&](const Tensor& probe) {
          return testing::weighted_sum(activation_forward(activation, probe), w);
        },
        1e-3);
    testing::require_close(dx, numeric, 2e-2, 2e-3);
  }
}
