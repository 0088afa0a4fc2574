#include <catch2/catch.hpp>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/ops.h"
#include "kernels/optimizer_math.h"
#include "runtime/error.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::kernels;
using testing::random_tensor;
using testing::values_of;

TEST_CASE("SGD, momentum and Nesterov match float64 over several steps", "[kernels][optimizers]") {
  for (int variant = 0; variant < 3; ++variant) {
    INFO("variant " << variant);
    const Tensor parameters = random_tensor({1000}, 71), velocity = Tensor::empty({1000});
    fill(velocity, 0.0);
    auto p = values_of(parameters);
    std::vector<double> v(1000, 0.0);
    for (int step = 0; step < 3; ++step) {
      const Tensor gradients = random_tensor({1000}, 72 + step);
      const auto g = values_of(gradients);
      if (variant == 0)
        sgd_update(parameters, gradients, 0.1f);
      else
        momentum_update(parameters, gradients, velocity, 0.1f, 0.9f, variant == 2);
      for (std::size_t i = 0; i < p.size(); ++i) {
        if (variant == 0) {
          p[i] -= 0.1 * g[i];
        } else {
          v[i] = 0.9 * v[i] + g[i];
          p[i] -= 0.1 * (variant == 2 ? g[i] + 0.9 * v[i] : v[i]);
        }
      }
    }
    testing::require_close(parameters, p, 1e-5, 1e-6);
  }
}

TEST_CASE("Adam and AdamW match float64 with bias correction", "[kernels][optimizers]") {
  for (float decay : {0.0f, 0.01f}) {
    INFO("weight decay " << decay);
    const Tensor parameters = random_tensor({500}, 81), m = Tensor::empty({500}),
                 v = Tensor::empty({500});
    fill(m, 0.0);
    fill(v, 0.0);
    auto p = values_of(parameters);
    std::vector<double> mr(500, 0.0), vr(500, 0.0);
    for (int step = 1; step <= 4; ++step) {
      const Tensor gradients = random_tensor({500}, 82 + step);
      const auto g = values_of(gradients);
      adam_update(parameters, gradients, m, v, 1e-2f, step, 0.9f, 0.999f, 1e-8f, decay);
      for (std::size_t i = 0; i < p.size(); ++i) {
        mr[i] = 0.9 * mr[i] + 0.1 * g[i];
        vr[i] = 0.999 * vr[i] + 0.001 * g[i] * g[i];
        const double m_hat = mr[i] / (1 - std::pow(0.9, step)),
                     v_hat = vr[i] / (1 - std::pow(0.999, step));
        p[i] -= 1e-2 * (m_hat / (std::sqrt(v_hat) + 1e-8) + decay * p[i]);
      }
    }
    testing::require_close(parameters, p, 1e-4, 1e-6);
  }
  const Tensor a = random_tensor({4}, 1), b = random_tensor({5}, 2);
  CHECK_THROWS_WITH(sgd_update(a, b, 0.1f), Catch::Matchers::Contains("gradients [5] f32 cpu:0"));
  CHECK_THROWS_AS(adam_update(a, a, a, a, 0.1f, 0), InvalidArgumentError);
}

TEST_CASE("optimizer state decays to zero, never into the subnormal range",
          "[kernels][optimizers]") {
  // Zero gradients (a weight of an always-blank pixel): the moments shrink by β every step.
  // Held as subnormals, each later operation on them would take a CPU microcode assist.
  auto subnormals = [](const Tensor& t) {
    int count = 0;
    for (double x : values_of(t)) count += x != 0 && std::fabs(x) < FLT_MIN;
    return count;
  };
  const Tensor zero_gradients = Tensor::empty({64});
  fill(zero_gradients, 0.0);
  const Tensor parameters = random_tensor({64}, 95), m = Tensor::empty({64}),
               v = Tensor::empty({64}), velocity = Tensor::empty({64});
  for (const Tensor& t : {m, v, velocity}) fill(t, 4.0 * FLT_MIN);
  const auto parameters_before = values_of(parameters);
  for (int step = 1; step <= 3000; ++step) {  // 0.999^3000 · 4 FLT_MIN < FLT_MIN / 8
    adam_update(parameters, zero_gradients, m, v, 1e-2f, step);
    momentum_update(parameters, zero_gradients, velocity, 1e-2f, 0.9f, false);
    INFO("step " << step);
    REQUIRE(subnormals(m) + subnormals(v) + subnormals(velocity) == 0);
  }
  CHECK(values_of(m) == std::vector<double>(64, 0.0));
  CHECK(values_of(v) == std::vector<double>(64, 0.0));
  CHECK(values_of(velocity) == std::vector<double>(64, 0.0));
  // Updates of at most lr · m̂ / ε ~ 1e-29 leave parameters of magnitude ~1 as they were.
  testing::require_close(parameters, parameters_before, 0.0, 1e-20);
}

TEST_CASE(
    "the CPU optimizer kernels compute the bits of the shared per-element formula, whichever "
    "vector clone this CPU runs",
    "[kernels][optimizers]") {
  // This file is built for baseline x86-64: the loop below is the scalar formula, and the
  // kernel is the clone the loader picked (AVX-512 or AVX2 where the CPU has them).
  const std::int64_t n = 4099;  // not a multiple of any vector width: the tails run too
  for (Optimizer kind :
       {Optimizer::momentum, Optimizer::nesterov, Optimizer::adam, Optimizer::adamw}) {
    INFO("optimizer " << static_cast<int>(kind));
    const Tensor parameters = random_tensor({n}, 101), gradients = random_tensor({n}, 102),
                 m = random_tensor({n}, 103), v = random_tensor({n}, 104);
    std::vector<float> p(n), g(n), s1(n), s2(n);
    for (std::int64_t i = 0; i < n; ++i) {
      p[i] = parameters.data<float>()[i];
      g[i] = gradients.data<float>()[i];
      s1[i] = m.data<float>()[i] * 0.01f;
      s2[i] = std::fabs(v.data<float>()[i]) * 1e-4f;
      m.data<float>()[i] = s1[i];
      v.data<float>()[i] = s2[i];
    }
    OptimizerArgs args;
    args.optimizer = kind;
    args.parameters = p.data();
    args.gradients = g.data();
    args.state_1 = s1.data();
    args.state_2 = s2.data();
    args.count = n;
    args.learning_rate = 1e-2f;
    args.momentum = 0.9f;
    args.weight_decay = kind == Optimizer::adamw ? 0.01f : 0.0f;
    args.step = 3;
    const OptimizerConstants constants = optimizer_constants(args, args.step);
    for (std::int64_t i = 0; i < n; ++i) {
      with_optimizer(kind, [&](auto k) { update_element<decltype(k)::value>(args, constants, i); });
    }
    if (kind == Optimizer::momentum || kind == Optimizer::nesterov) {
      momentum_update(parameters, gradients, m, 1e-2f, 0.9f, kind == Optimizer::nesterov);
    } else {
      adam_update(parameters, gradients, m, v, 1e-2f, 3, 0.9f, 0.999f, 1e-8f, args.weight_decay);
    }
    CHECK(std::memcmp(parameters.data<float>(), p.data(), n * sizeof(float)) == 0);
    CHECK(std::memcmp(m.data<float>(), s1.data(), n * sizeof(float)) == 0);
    if (kind == Optimizer::adam || kind == Optimizer::adamw)
      CHECK(std::memcmp(v.data<float>(), s2.data(), n * sizeof(float)) == 0);
  }
}

TEST_CASE(
    "Adam with its step in a counter equals Adam with the step given, and the counter "
    "advances in stream order",
    "[kernels][optimizers]") {
  const Tensor counter = Tensor::empty_detached(Shape{}, DType::i64);
  fill(counter, 0.0);
  const Tensor given = random_tensor({300}, 91), counted = copy_to(given, given.device());
  Tensor m_given = Tensor::empty_detached({300}), v_given = Tensor::empty_detached({300}),
         m_counted = Tensor::empty_detached({300}), v_counted = Tensor::empty_detached({300});
  for (const Tensor& t : {m_given, v_given, m_counted, v_counted}) fill(t, 0.0);
  for (std::int64_t step = 1; step <= 5; ++step) {
    const Tensor gradients = random_tensor({300}, 92 + static_cast<std::uint32_t>(step));
    increment(counter);
    CHECK(counter.data<std::int64_t>()[0] == step);
    adam_update(given, gradients, m_given, v_given, 1e-2f, step, 0.9f, 0.99f, 1e-8f, 0.01f);
    adam_update(counted, gradients, m_counted, v_counted, 1e-2f, counter, 0.9f, 0.99f, 1e-8f,
                0.01f);
  }
  CHECK(values_of(counted) == values_of(given));  // bit for bit
  CHECK(values_of(v_counted) == values_of(v_given));
  // The counter must be one i64 element on the parameters' device.
  const Tensor wrong = Tensor::empty_detached({2}, DType::i64);
  CHECK_THROWS_WITH(
      adam_update(given, given, m_given, v_given, 1e-2f, wrong),
      Catch::Matchers::Contains("step counter") && Catch::Matchers::Contains("one i64 element"));
  CHECK_THROWS_AS(increment(Tensor::empty_detached(Shape{}, DType::f32)), InvalidArgumentError);
}

TEST_CASE("cast, fill and copy_to move values between dtypes and tensors", "[kernels][copies]") {
  const Tensor x = testing::tensor_from({4}, {1.5, -2.25, 3.0, 250.0});
  CHECK(values_of(cast(x, DType::f64)) == std::vector<double>{1.5, -2.25, 3.0, 250.0});
  CHECK(values_of(cast(x, DType::i32)) == std::vector<double>{1, -2, 3, 250});
  CHECK(values_of(cast(cast(x, DType::i64), DType::f32)) == std::vector<double>{1, -2, 3, 250});
  const Tensor bytes = Tensor::empty({3}, DType::u8);
  fill(bytes, 7);
  CHECK(values_of(bytes) == std::vector<double>{7, 7, 7});
  CHECK(values_of(copy_to(x, Device::cpu())) == values_of(x));
  CHECK_THROWS_AS(cast(x, DType::f16), NotAvailableError);
}
