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
double reference(UnaryOp op, double x) {
  switch (op) {
    case UnaryOp::negate:
      return -x;
    case UnaryOp::exp:
      return std::exp(x);
    case UnaryOp::log:
      return std::log(x);
    case UnaryOp::sqrt:
      return std::sqrt(x);
    case UnaryOp::abs:
      return std::fabs(x);
    case UnaryOp::square:
      return x * x;
    case UnaryOp::reciprocal:
      return 1.0 / x;
  }
  return 0.0;
}
double reference(BinaryOp op, double a, double b) {
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
      return std::max(a, b);
    case BinaryOp::minimum:
      return std::min(a, b);
  }
  return 0.0;
}
}  // namespace

TEST_CASE("unary ops match float64", "[kernels][elementwise]") {
  for (UnaryOp op : {UnaryOp::negate, UnaryOp::exp, UnaryOp::log, UnaryOp::sqrt, UnaryOp::abs,
                     UnaryOp::square, UnaryOp::reciprocal}) {
    INFO(name_of(op));
    const bool positive = op == UnaryOp::log || op == UnaryOp::sqrt || op == UnaryOp::reciprocal;
    const Tensor x = random_tensor({9, 13}, 7, positive ? 0.1f : -2.0f, 2.0f);
    std::vector<double> expected;
    for (double value : values_of(x)) expected.push_back(reference(op, value));
    testing::require_close(unary(op, x), expected, 1e-6, 1e-6);
  }
}

TEST_CASE("binary ops broadcast rows and columns", "[kernels][elementwise]") {
  const std::int64_t rows = 6, cols = 11;
  const Tensor a = random_tensor({rows, cols}, 1);
  for (BinaryOp op : {BinaryOp::add, BinaryOp::subtract, BinaryOp::multiply, BinaryOp::divide,
                      BinaryOp::maximum, BinaryOp::minimum}) {
    INFO(name_of(op));
    const auto av = values_of(a);
    const Tensor same = random_tensor({rows, cols}, 2, 0.5f, 1.5f);
    const Tensor row = random_tensor({cols}, 3, 0.5f, 1.5f);
    const Tensor column = random_tensor({rows, 1}, 4, 0.5f, 1.5f);
    const auto sv = values_of(same), rv = values_of(row), cv = values_of(column);
    std::vector<double> e_same, e_row, e_column;
    for (std::int64_t i = 0; i < rows * cols; ++i) {
      e_same.push_back(reference(op, av[i], sv[i]));
      e_row.push_back(reference(op, av[i], rv[i % cols]));
      e_column.push_back(reference(op, av[i], cv[i / cols]));
    }
    testing::require_close(binary(op, a, same), e_same, 1e-6, 1e-6);
    testing::require_close(binary(op, a, row), e_row, 1e-6, 1e-6);
    testing::require_close(binary(op, a, row.reshape({1, cols})), e_row, 1e-6, 1e-6);
    testing::require_close(binary(op, a, column), e_column, 1e-6, 1e-6);
  }
  CHECK_THROWS_WITH(
      add(a, random_tensor({5}, 9)),
      Catch::Matchers::Contains("b [5] f32 cpu:0 does not broadcast over a [6, 11] f32 cpu:0"));
}
