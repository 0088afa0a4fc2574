// Batch normalization over axis 1 of [N, C] or [N, C, H, W].
#include "kernels/operand_checks.h"
#include "kernels/ops.h"
#include "runtime/error.h"

namespace gyre::kernels {
namespace {
struct Layout {
  std::int64_t outer, channels, inner;
};

Layout check_state(const char* op, const Tensor& x, const BatchNormState& state) {
  checks::float_operand(op, "x", x);
  GYRE_CHECK(x.shape().rank() == 2 || x.shape().rank() == 4, InvalidArgumentError, op, ": x ",
             x.description(), " must be [N, C] or [N, C, H, W]");
  const std::int64_t channels = x.shape().dim(1);
  const Tensor* vectors[] = {&state.gamma,        &state.beta,
                             &state.running_mean, &state.running_variance,
                             &state.saved_mean,   &state.saved_inverse_std};
  const char* names[] = {
      "gamma", "beta", "running_mean", "running_variance", "saved_mean", "saved_inverse_std"};
  for (int i = 0; i < 6; ++i) {
    checks::float_operand(op, names[i], *vectors[i]);
    checks::same_device(op, names[i], *vectors[i], x);
    GYRE_CHECK(vectors[i]->shape() == Shape{channels}, InvalidArgumentError, op, ": ", names[i],
               " ", vectors[i]->description(), " must be [", channels, "] (the channels of x ",
               x.description(), ")");
  }
  GYRE_CHECK(state.momentum >= 0.0f && state.momentum <= 1.0f && state.epsilon > 0.0f,
             InvalidArgumentError, op, ": momentum ", state.momentum,
             " must be in [0, 1] and epsilon ", state.epsilon, " > 0");
  const std::int64_t inner = x.shape().rank() == 4 ? x.shape().dim(2) * x.shape().dim(3) : 1;
  return {x.shape().dim(0), channels, inner};
}
}  // namespace

Tensor batch_norm_forward(const Tensor& x, BatchNormState& state, bool training, Tensor out) {
  const char* op = "batch_norm_forward";
  const Layout layout = check_state(op, x, state);
  GYRE_CHECK(!training || layout.outer * layout.inner > 1, InvalidArgumentError, op,
             ": training needs more than one ", "value per channel; x is ", x.description());
  Tensor y = checks::output(op, "out", out, x.shape(), DType::f32, x.device());
  checks::backend(x.device())
      .batch_norm_forward(training, checks::f32(x), checks::f32(state.gamma),
                          checks::f32(state.beta), checks::f32(state.running_mean),
                          checks::f32(state.running_variance), checks::f32(state.saved_mean),
                          checks::f32(state.saved_inverse_std), checks::f32(y), layout.outer,
                          layout.channels, layout.inner, state.momentum, state.epsilon,
                          checks::stream(x.device()));
  return y;
}

Tensor batch_norm_backward(const Tensor& x, const Tensor& dy, const BatchNormState& state,
                           const Tensor& dgamma, const Tensor& dbeta, Tensor dx) {
  const char* op = "batch_norm_backward";
  const Layout layout = check_state(op, x, state);
  checks::float_operand(op, "dy", dy);
  checks::same_shape(op, "dy", dy, "x", x);
  checks::same_device(op, "dy", dy, x);
  checks::float_operand(op, "dgamma", dgamma);
  checks::float_operand(op, "dbeta", dbeta);
  checks::same_shape(op, "dgamma", dgamma, "gamma", state.gamma);
  checks::same_shape(op, "dbeta", dbeta, "gamma", state.gamma);
  Tensor result = checks::output(op, "dx", dx, x.shape(), DType::f32, x.device());
  checks::backend(x.device())
      .batch_norm_backward(checks::f32(x), checks::f32(state.gamma), checks::f32(state.saved_mean),
                           checks::f32(state.saved_inverse_std), checks::f32(dy),
                           checks::f32(result), checks::f32(dgamma), checks::f32(dbeta),
                           layout.outer, layout.channels, layout.inner, state.epsilon,
                           checks::stream(x.device()));
  return result;
}

}  // namespace gyre::kernels
