// unary, binary, activations.
#include <cmath>

#include "kernels/operand_checks.h"
#include "kernels/ops.h"
#include "runtime/error.h"

namespace gyre::kernels {
namespace {
// x seen as [rows, cols] with cols its last axis.
std::int64_t last_dim(const Tensor& x) {
  return x.shape().rank() == 0 ? 1 : x.shape().dim(-1);
}
std::int64_t leading(const Tensor& x) {
  const std::int64_t cols = last_dim(x);
  return cols == 0 ? 0 : x.numel() / cols;
}
float resolve_alpha(Activation activation, float alpha) {
  return std::isnan(alpha) ? default_alpha(activation) : alpha;
}
}  // namespace

Tensor unary(UnaryOp op, const Tensor& x, Tensor out) {
  checks::float_operand(name_of(op), "x", x);
  Tensor y = checks::output(name_of(op), "out", out, x.shape(), DType::f32, x.device());
  checks::backend(x.device())
      .unary(op, checks::f32(x), checks::f32(y), x.numel(), checks::stream(x.device()));
  return y;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor out) {
  const char* name = name_of(op);
  checks::float_operand(name, "a", a);
  checks::float_operand(name, "b", b);
  checks::same_device(name, "b", b, a);
  const std::int64_t rows = leading(a), cols = last_dim(a);
  Broadcast broadcast;
  if (b.shape() == a.shape()) {
    broadcast = Broadcast::none;
  } else if (b.numel() == cols &&
             (b.shape().rank() == 1 || (b.shape().rank() == 2 && b.shape().dim(0) == 1))) {
    broadcast = Broadcast::row;
  } else if (b.shape().rank() == 2 && b.shape().dim(1) == 1 && b.shape().dim(0) == rows) {
    broadcast = Broadcast::column;
  } else {
    throw InvalidArgumentError(strcat(name, ": b ", b.description(), " does not broadcast over a ",
                                      a.description(), "; b must be ", a.shape(), ", [", cols,
                                      "] (a row) or [", rows, ", 1] (a column)"));
  }
  Tensor y = checks::output(name, "out", out, a.shape(), DType::f32, a.device());
  checks::backend(a.device())
      .binary(op, checks::f32(a), checks::f32(b), checks::f32(y), rows, cols, broadcast, 1,
              checks::stream(a.device()));
  return y;
}

Tensor add(const Tensor& a, const Tensor& b, Tensor out) {
  return binary(BinaryOp::add, a, b, std::move(out));
}
Tensor multiply(const Tensor& a, const Tensor& b, Tensor out) {
  return binary(BinaryOp::multiply, a, b, std::move(out));
}

Tensor activation_forward(Activation activation, const Tensor& x, float alpha, Tensor out) {
  const char* name = name_of(activation);
  checks::float_operand(name, "x", x);
  Tensor y = checks::output(name, "out", out, x.shape(), DType::f32, x.device());
  checks::backend(x.device())
      .activation_forward(activation, resolve_alpha(activation, alpha), checks::f32(x),
                          checks::f32(y), leading(x), last_dim(x), checks::stream(x.device()));
  return y;
}

Tensor activation_backward(Activation activation, const Tensor& x, const Tensor& y,
                           const Tensor& dy, float alpha, Tensor dx) {
  const char* name = name_of(activation);
  checks::float_operand(name, "x", x);
  checks::float_operand(name, "y", y);
  checks::float_operand(name, "dy", dy);
  checks::same_shape(name, "y", y, "x", x);
  checks::same_shape(name, "dy", dy, "x", x);
  checks::same_device(name, "y", y, x);
  checks::same_device(name, "dy", dy, x);
  Tensor result = checks::output(name, "dx", dx, x.shape(), DType::f32, x.device());
  checks::backend(x.device())
      .activation_backward(activation, resolve_alpha(activation, alpha), checks::f32(x),
                           checks::f32(y), checks::f32(dy), checks::f32(result), leading(x),
                           last_dim(x), checks::stream(x.device()));
  return result;
}

}  // namespace gyre::kernels
