#include "tests/support/kernel_testing.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "runtime/stream.h"
#include "runtime/tensor_copy.h"

namespace gyre::testing {

Tensor random_tensor(const Shape& shape, std::uint32_t seed, float low, float high, Device device) {
  Tensor host = Tensor::empty_detached(shape, DType::f32, Device::cpu());
  std::mt19937 random(seed);
  std::uniform_real_distribution<float> distribution(low, high);
  float* data = host.data<float>();
  for (std::int64_t i = 0; i < host.numel(); ++i) data[i] = distribution(random);
  if (device.is_cpu()) return host;
  const DeviceGuard on_device(device);
  Tensor result = Tensor::empty_detached(shape, DType::f32, device);
  copy_tensor(host, result);
  Stream::current(device).synchronize();
  return result;
}

Tensor tensor_from(const Shape& shape, const std::vector<double>& values, Device device) {
  REQUIRE(static_cast<std::int64_t>(values.size()) == shape.numel());
  Tensor host = Tensor::empty_detached(shape, DType::f32, Device::cpu());
  for (std::size_t i = 0; i < values.size(); ++i)
    host.data<float>()[i] = static_cast<float>(values[i]);
  if (device.is_cpu()) return host;
  Tensor result = Tensor::empty_detached(shape, DType::f32, device);
  copy_tensor(host, result);
  Stream::current(device).synchronize();
  return result;
}

Tensor on_host(const Tensor& tensor) {
  if (!tensor.device().is_accelerator()) return tensor;
  const DeviceGuard on_device(tensor.device());
  Tensor host = Tensor::empty_detached(tensor.shape(), tensor.dtype(), Device::cpu());
  copy_tensor(tensor, host);
  Stream::current(tensor.device()).synchronize();
  return host;
}

std::vector<double> values_of(const Tensor& tensor) {
  const Tensor host = on_host(tensor);
  std::vector<double> values(static_cast<std::size_t>(host.numel()));
  for (std::size_t i = 0; i < values.size(); ++i) {
    switch (host.dtype()) {
      case DType::f32:
        values[i] = host.data<float>()[i];
        break;
      case DType::f64:
        values[i] = host.data<double>()[i];
        break;
      case DType::i32:
        values[i] = host.data<std::int32_t>()[i];
        break;
      case DType::i64:
        values[i] = static_cast<double>(host.data<std::int64_t>()[i]);
        break;
      case DType::u8:
        values[i] = host.data<std::uint8_t>()[i];
        break;
      default:
        FAIL("values_of: unsupported dtype");
    }
  }
  return values;
}

void require_close(const std::vector<double>& actual, const std::vector<double>& expected,
                   double relative, double absolute) {
  REQUIRE(actual.size() == expected.size());
  std::size_t worst = 0;
  double worst_excess = -1.0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double allowed = absolute + relative * std::fabs(expected[i]);
    const double excess = std::fabs(actual[i] - expected[i]) - allowed;
    if (std::isnan(actual[i]) != std::isnan(expected[i]) || excess > worst_excess) {
      worst_excess = std::isnan(actual[i]) ? 1e300 : excess;
      worst = i;
    }
  }
  INFO("worst element " << worst << ": actual " << actual[worst] << ", expected " << expected[worst]
                        << " (relative " << relative << ", absolute " << absolute << ", "
                        << actual.size() << " elements)");
  REQUIRE(worst_excess <= 0.0);
}

void require_close(const Tensor& actual, const std::vector<double>& expected, double relative,
                   double absolute) {
  require_close(values_of(actual), expected, relative, absolute);
}

std::vector<double> numeric_gradient(const Tensor& x,
                                     const std::function<double(const Tensor&)>& loss,
                                     double epsilon) {
  std::vector<double> gradient(static_cast<std::size_t>(x.numel()));
  Tensor probe = Tensor::empty_detached(x.shape(), DType::f32, Device::cpu());
  copy_tensor(x, probe);
  float* data = probe.data<float>();
  for (std::size_t i = 0; i < gradient.size(); ++i) {
    const float original = data[i];
    data[i] = static_cast<float>(original + epsilon);
    const double plus = loss(probe);
    data[i] = static_cast<float>(original - epsilon);
    const double minus = loss(probe);
    data[i] = original;
    gradient[i] = (plus - minus) / (2.0 * epsilon);
  }
  return gradient;
}

double weighted_sum(const Tensor& tensor, const std::vector<double>& weights) {
  const std::vector<double> values = values_of(tensor);
  REQUIRE(values.size() == weights.size());
  double total = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) total += values[i] * weights[i];
  return total;
}

}  // namespace gyre::testing
