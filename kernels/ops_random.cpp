// Dropout and random initialisers (Philox: the same numbers on every device).
#include <cmath>

#include "kernels/operand_checks.h"
#include "kernels/ops.h"
#include "runtime/error.h"

namespace gyre::kernels {
namespace {
void fill(const char* op, const Tensor& tensor, Distribution distribution, float a, float b,
          std::uint64_t seed) {
  checks::float_operand(op, "tensor", tensor);
  checks::backend(tensor.device())
      .fill_random(distribution, checks::f32(tensor), tensor.numel(), a, b, seed,
                   checks::stream(tensor.device()));
}
}  // namespace

Tensor dropout(const Tensor& x, float p, std::uint64_t seed, std::uint64_t offset, Tensor out) {
  checks::float_operand("dropout", "x", x);
  GYRE_CHECK(p >= 0.0f && p < 1.0f, InvalidArgumentError, "dropout: the drop probability ", p,
             " must be in [0, 1)");
  Tensor y = checks::output("dropout", "out", out, x.shape(), DType::f32, x.device());
  checks::backend(x.device())
      .dropout(checks::f32(x), checks::f32(y), x.numel(), p, seed, offset, nullptr,
               checks::stream(x.device()));
  return y;
}

Tensor dropout(const Tensor& x, float p, std::uint64_t seed, const Tensor& iteration, Tensor out) {
  checks::float_operand("dropout", "x", x);
  GYRE_CHECK(p >= 0.0f && p < 1.0f, InvalidArgumentError, "dropout: the drop probability ", p,
             " must be in [0, 1)");
  std::int64_t* counter = checks::counter("dropout", iteration, x.device());
  Tensor y = checks::output("dropout", "out", out, x.shape(), DType::f32, x.device());
  checks::backend(x.device())
      .dropout(checks::f32(x), checks::f32(y), x.numel(), p, seed, 0, counter,
               checks::stream(x.device()));
  return y;
}

void fill_uniform(const Tensor& tensor, float low, float high, std::uint64_t seed) {
  GYRE_CHECK(low <= high, InvalidArgumentError, "fill_uniform: low ", low, " exceeds high ", high);
  fill("fill_uniform", tensor, Distribution::uniform, low, high, seed);
}

void fill_normal(const Tensor& tensor, float mean, float standard_deviation, std::uint64_t seed) {
  GYRE_CHECK(standard_deviation >= 0.0f, InvalidArgumentError,
             "fill_normal: the standard deviation ", standard_deviation, " is negative");
  fill("fill_normal", tensor, Distribution::normal, mean, standard_deviation, seed);
}

void xavier_uniform(const Tensor& tensor, std::int64_t fan_in, std::int64_t fan_out,
                    std::uint64_t seed) {
  GYRE_CHECK(fan_in > 0 && fan_out > 0, InvalidArgumentError, "xavier_uniform: fan_in ", fan_in,
             " and fan_out ", fan_out, " must be > 0");
  const float limit = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
  fill("xavier_uniform", tensor, Distribution::uniform, -limit, limit, seed);
}

void he_normal(const Tensor& tensor, std::int64_t fan_in, std::uint64_t seed) {
  GYRE_CHECK(fan_in > 0, InvalidArgumentError, "he_normal: fan_in ", fan_in, " must be > 0");
  fill("he_normal", tensor, Distribution::normal, 0.0f,
       std::sqrt(2.0f / static_cast<float>(fan_in)), seed);
}

}  // namespace gyre::kernels
