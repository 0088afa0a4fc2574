#pragma once
// Helpers for kernel tests: seeded random tensors (never zeros), float64 copies of results,
// closeness checks and finite-difference gradients.
#include <cstdint>
#include <functional>
#include <vector>

#include "runtime/tensor.h"

namespace gyre::testing {

/// A detached f32 tensor of uniform values in [low, high) from std::mt19937(seed).
Tensor random_tensor(const Shape& shape, std::uint32_t seed, float low = -1.0f, float high = 1.0f,
                     Device device = Device::cpu());
/// A detached tensor holding `values` (f32).
Tensor tensor_from(const Shape& shape, const std::vector<double>& values,
                   Device device = Device::cpu());
/// The elements as doubles (copied from the device when needed), any float or integer dtype.
std::vector<double> values_of(const Tensor& tensor);
/// A CPU copy of a tensor of any device, once the device's work on it is done (the tensor
/// itself when it is on the CPU).
Tensor on_host(const Tensor& tensor);
/// Fails the test unless |actual − expected| <= absolute + relative · |expected| everywhere;
/// reports the worst element.
void require_close(const std::vector<double>& actual, const std::vector<double>& expected,
                   double relative, double absolute);
void require_close(const Tensor& actual, const std::vector<double>& expected, double relative,
                   double absolute);

/// d loss / d x by central differences, where loss(x) is evaluated on a perturbed copy of x.
std::vector<double> numeric_gradient(const Tensor& x,
                                     const std::function<double(const Tensor&)>& loss,
                                     double epsilon);

/// Σ weights · values in double (the scalar a finite-difference check differentiates).
double weighted_sum(const Tensor& tensor, const std::vector<double>& weights);

}  // namespace gyre::testing
