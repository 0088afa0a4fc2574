#pragma once
// Central differences over every parameter of a network, against the gradients its backward
// pass writes: the finite-difference check every layer and vertex gets.
#include <functional>
#include <vector>

#include "nn/network.h"
#include "tests/support/kernel_testing.h"

namespace gyre::testing {

/// `loss()` runs network.compute_gradients() on a fixed batch and returns the loss; the
/// gradients it leaves must match (loss(p + ε) − loss(p − ε)) / 2ε for every parameter p.
/// ε = 1e-3 is small enough that no max-pooling window changes its winner.
inline void check_parameter_gradients(nn::Network& network, const std::function<double()>& loss,
                                      double relative, double absolute, double epsilon = 1e-3) {
  loss();
  const std::vector<double> analytic = values_of(network.gradients());
  float* parameters = network.parameters().data<float>();
  std::vector<double> numeric(analytic.size());
  for (std::size_t i = 0; i < numeric.size(); ++i) {
    const float original = parameters[i];
    parameters[i] = static_cast<float>(original + epsilon);
    const double plus = loss();
    parameters[i] = static_cast<float>(original - epsilon);
    const double minus = loss();
    parameters[i] = original;
    numeric[i] = (plus - minus) / (2 * epsilon);
  }
  require_close(analytic, numeric, relative, absolute);
}

}  // namespace gyre::testing
