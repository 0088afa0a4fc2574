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
BatchNormState make_state(std::int64_t channels) {
  BatchNormState state;
  state.gamma = random_tensor({channels}, 101, 0.5f, 1.5f);
  state.beta = random_tensor({channels}, 102);
  state.running_mean = Tensor::empty({channels});
  state.running_variance = Tensor::empty({channels});
  state.saved_mean = Tensor::empty({channels});
  state.saved_inverse_std = Tensor::empty({channels});
  fill(state.running_mean, 0.0);
  fill(state.running_variance, 1.0);
  return state;
}
}  // namespace

TEST_CASE("batch norm training normalizes per channel and updates running statistics",
          "[kernels][batchnorm]") {
  const Tensor x = random_tensor({4, 3, 5, 2}, 103, -2.0f, 3.0f);
  BatchNormState state = make_state(3);
  const Tensor y = batch_norm_forward(x, state, true);
  const auto xv = values_of(x), yv = values_of(y), gamma = values_of(state.gamma),
             beta = values_of(state.beta);
  for (int c = 0; c < 3; ++c) {
    double mean = 0.0, square = 0.0;
    std::vector<int> indices;
    for (int n = 0; n < 4; ++n)
      for (int i = 0; i < 10; ++i) indices.push_back((n * 3 + c) * 10 + i);
    for (int i : indices) mean += xv[i];
    mean /= 40.0;
    for (int i : indices) square += (xv[i] - mean) * (xv[i] - mean);
    const double variance = square / 40.0;
    for (int i : indices) {
      REQUIRE(
          yv[i] ==
          Approx(gamma[c] * (xv[i] - mean) / std::sqrt(variance + 1e-5) + beta[c]).margin(1e-5));
    }
    CHECK(values_of(state.running_mean)[c] == Approx(0.1 * mean).margin(1e-6));
    CHECK(values_of(state.running_variance)[c] == Approx(0.9 + 0.1 * square / 39.0).margin(1e-6));
  }
  // Inference uses the running statistics.
  const Tensor inference = batch_norm_forward(x, state, false);
  const auto rm = values_of(state.running_mean), rv = values_of(state.running_variance);
  CHECK(values_of(inference)[0] ==
        Approx(gamma[0] * (xv[0] - rm[0]) / std::sqrt(rv[0] + 1e-5) + beta[0]).margin(1e-5));
}

TEST_CASE("batch norm backward agrees with finite differences", "[kernels][batchnorm][gradient]") {
  const Tensor x = random_tensor({3, 2, 2, 3}, 104);
  BatchNormState state = make_state(2);
  const Tensor weights = random_tensor(x.shape(), 105);
  const auto wv = values_of(weights);
  batch_norm_forward(x, state, true);
  const Tensor dgamma = Tensor::empty({2}), dbeta = Tensor::empty({2});
  const Tensor dx = batch_norm_backward(x, weights, state, dgamma, dbeta);
  auto loss_of_x = [&](const Tensor& probe) {
    BatchNormState scratch = make_state(2);
    scratch.gamma = state.gamma;
    scratch.beta = state.beta;
    return testing::weighted_sum(batch_norm_forward(probe, scratch, true), wv);
  };
  testing::require_close(dx, testing::numeric_gradient(x, loss_of_x, 1e-3), 1e-2, 2e-3);
  auto loss_of_gamma = [&](const Tensor& probe) {
    BatchNormState scratch = make_state(2);
    scratch.gamma = probe;
    scratch.beta = state.beta;
    return testing::weighted_sum(batch_norm_forward(x, scratch, true), wv);
  };
  testing::require_close(dgamma, testing::numeric_gradient(state.gamma, loss_of_gamma, 1e-3), 1e-2,
                         2e-3);
  double sum = 0.0;
  for (int n = 0; n < 3; ++n)
    for (int i = 0; i < 6; ++i) sum += wv[(n * 2 + 1) * 6 + i];
  CHECK(values_of(dbeta)[1] == Approx(sum).margin(1e-5));
  BatchNormState wrong = make_state(3);
  CHECK_THROWS_WITH(batch_norm_forward(x, wrong, true),
                    Catch::Matchers::Contains("gamma [3] f32 cpu:0 must be [2]"));
}
