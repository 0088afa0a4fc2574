#include <catch2/catch.hpp>
#include <cmath>

#include "kernels/ops.h"
#include "runtime/error.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::kernels;
using testing::random_tensor;
using testing::values_of;

namespace {
Tensor one_hot(std::int64_t rows, std::int64_t cols, std::uint32_t seed) {
  std::vector<double> values(rows * cols, 0.0);
  for (std::int64_t r = 0; r < rows; ++r) values[r * cols + (r * 7 + seed) % cols] = 1.0;
  return testing::tensor_from({rows, cols}, values);
}
double scalar(const Tensor& tensor) {
  return values_of(tensor).at(0);
}
}  // namespace

TEST_CASE("softmax cross-entropy matches float64 and its gradient finite differences",
          "[kernels][losses]") {
  const Tensor logits = random_tensor({8, 10}, 31, -4.0f, 4.0f);
  const Tensor targets = one_hot(8, 10, 3);
  Tensor probabilities;
  const Tensor loss = softmax_cross_entropy(logits, targets, probabilities);
  CHECK(loss.shape().rank() == 0);
  const auto x = values_of(logits), t = values_of(targets);
  double expected = 0.0;
  for (int r = 0; r < 8; ++r) {
    double largest = -1e300, total = 0.0;
    for (int c = 0; c < 10; ++c) largest = std::max(largest, x[r * 10 + c]);
    for (int c = 0; c < 10; ++c) total += std::exp(x[r * 10 + c] - largest);
    for (int c = 0; c < 10; ++c)
      expected -= t[r * 10 + c] * (x[r * 10 + c] - largest - std::log(total));
  }
  expected /= 8.0;
  CHECK(scalar(loss) == Approx(expected).epsilon(1e-6));
  const Tensor dlogits = softmax_cross_entropy_backward(probabilities, targets);
  const auto numeric = testing::numeric_gradient(
      logits,
      [&](const Tensor& probe) {
        Tensor p;
        return scalar(softmax_cross_entropy(probe, targets, p));
      },
      1e-2);  // the loss is an f32 scalar: a wider step keeps its rounding out of the quotient
  testing::require_close(dlogits, numeric, 1e-2, 2e-4);
}

TEST_CASE("mean squared error and binary cross-entropy match float64 and finite differences",
          "[kernels][losses]") {
  const Tensor predictions = random_tensor({6, 5}, 41, 0.05f, 0.95f);
  const Tensor targets = random_tensor({6, 5}, 42, 0.0f, 1.0f);
  const auto p = values_of(predictions), t = values_of(targets);
  double mse = 0.0, bce = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    mse += (p[i] - t[i]) * (p[i] - t[i]);
    bce -= t[i] * std::log(p[i]) + (1 - t[i]) * std::log(1 - p[i]);
  }
  CHECK(scalar(mse_loss(predictions, targets)) == Approx(mse / 30.0).epsilon(1e-6));
  CHECK(scalar(binary_cross_entropy(predictions, targets)) == Approx(bce / 30.0).epsilon(1e-6));
  testing::require_close(
      mse_loss_backward(predictions, targets),
      testing::numeric_gradient(
          predictions, [&](const Tensor& x) { return scalar(mse_loss(x, targets)); }, 1e-3),
      1e-2, 1e-4);
  testing::require_close(
      binary_cross_entropy_backward(predictions, targets),
      testing::numeric_gradient(
          predictions, [&](const Tensor& x) { return scalar(binary_cross_entropy(x, targets)); },
          1e-3),
      1e-2, 1e-4);
}

TEST_CASE("loss operands must match", "[kernels][losses][errors]") {
  Tensor probabilities;
  CHECK_THROWS_WITH(
      softmax_cross_entropy(random_tensor({4, 3}, 1), random_tensor({4, 2}, 2), probabilities),
      Catch::Matchers::Contains(
          "targets [4, 2] f32 cpu:0 must have the shape of predictions [4, 3]"));
  CHECK_THROWS_AS(mse_loss(random_tensor({0, 3}, 1), random_tensor({0, 3}, 2)),
                  InvalidArgumentError);
}
