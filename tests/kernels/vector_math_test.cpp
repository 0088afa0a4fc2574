// The CPU's vectorized exp, tanh and sigmoid (kernels/cpu/vector_math.h): within 2 ulp of
// the float64 value on seeded random inputs, and the same bits at every vector width this
// CPU has, scalar included, special values too (the promise that a CPU's vector width never
// changes what a network computes).
#include "kernels/cpu/vector_math.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu/vector_math_widths.h"

using namespace gyre::kernels::cpu;

namespace {
using widths::Function;

std::vector<float> inputs(std::uint32_t seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<float> moderate(-12.0f, 12.0f), wide(-100.0f, 100.0f);
  std::vector<float> x;
  for (int i = 0; i < 4000; ++i) x.push_back(i % 4 == 0 ? wide(random) : moderate(random));
  const float specials[] = {0.0f,
                            -0.0f,
                            1e-30f,
                            -1e-30f,
                            88.7f,
                            -87.0f,
                            -104.0f,
                            200.0f,
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::denorm_min()};
  x.insert(x.end(), std::begin(specials), std::end(specials));
  x.push_back(0.5f);  // an odd count leaves every width a tail
  return x;
}

double exact(Function function, double x) {
  switch (function) {
    case Function::exp:
      return std::exp(x);
    case Function::tanh:
      return std::tanh(x);
    case Function::sigmoid:
      return 1.0 / (1.0 + std::exp(-x));
  }
  return x;
}

void apply(Function function, const float* x, float* y, std::int64_t n) {
  if (function == Function::exp) exp_array(x, y, n);
  if (function == Function::tanh) tanh_array(x, y, n);
  if (function == Function::sigmoid) sigmoid_array(x, y, n);
}

bool same_bits(float a, float b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}
}  // namespace

TEST_CASE("vectorized exp, tanh and sigmoid are within 2 ulp of the float64 value",
          "[kernels][vector-math]") {
  const Function function = GENERATE(Function::exp, Function::tanh, Function::sigmoid);
  const std::uint32_t seed = GENERATE(1u, 2u);
  INFO("function " << static_cast<int>(function) << ", seed " << seed);
  const std::vector<float> x = inputs(seed);
  std::vector<float> y(x.size());
  apply(function, x.data(), y.data(), static_cast<std::int64_t>(x.size()));
  for (std::size_t i = 0; i < x.size(); ++i) {
    INFO("x = " << x[i] << ", y = " << y[i]);
    const double expected = exact(function, x[i]);
    if (std::isnan(expected)) {
      CHECK(std::isnan(y[i]));
    } else if (std::isinf(expected) || std::fabs(expected) > 3e38) {
      CHECK(y[i] == static_cast<float>(expected));
    } else {
      // An ulp of the float nearest the exact value (a denormal result: the smallest one).
      const float nearest = static_cast<float>(expected);
      const double ulp = std::max(static_cast<double>(std::nextafter(
                                      std::fabs(nearest), std::numeric_limits<float>::infinity())) -
                                      std::fabs(nearest),
                                  static_cast<double>(std::numeric_limits<float>::denorm_min()));
      // Below −88.7, exp(−x) overflows and the sigmoid is 0 for a value under the smallest
      // normal float, as libm's formula gave.
      const double underflow =
          function == Function::sigmoid ? std::numeric_limits<float>::min() : 0.0;
      CHECK(std::fabs(y[i] - expected) <= std::max(2.0 * ulp, underflow));
    }
  }
}

TEST_CASE("every vector width computes the bits of the scalar function", "[kernels][vector-math]") {
  const Function function = GENERATE(Function::exp, Function::tanh, Function::sigmoid);
  INFO("function " << static_cast<int>(function));
  const std::vector<float> x = inputs(3);
  const auto n = static_cast<std::int64_t>(x.size());
  std::vector<float> scalar(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) scalar[i] = widths::scalar(function, x[i]);
  auto check_width = [&](const char* name,
                         std::int64_t (*loop)(Function, const float*, float*, std::int64_t)) {
    INFO(name);
    std::vector<float> y(x.size());
    const std::int64_t done = loop(function, x.data(), y.data(), n);
    CHECK(done > n - 16);
    int differing = 0;
    for (std::int64_t i = 0; i < done; ++i) differing += !same_bits(y[i], scalar[i]);
    CHECK(differing == 0);
  };
  check_width("sse2", widths::sse2);
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx"))
    check_width("avx", widths::avx);
  else
    WARN("this CPU has no AVX: its width is not checked");
  if (__builtin_cpu_supports("avx512f"))
    check_width("avx512", widths::avx512);
  else
    WARN("this CPU has no AVX-512: its width is not checked");
  // And the dispatching entry, whichever width it chose, with its scalar tail.
  std::vector<float> y(x.size());
  apply(function, x.data(), y.data(), n);
  int differing = 0;
  for (std::size_t i = 0; i < x.size(); ++i) differing += !same_bits(y[i], scalar[i]);
  CHECK(differing == 0);
}
