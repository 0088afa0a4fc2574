// Fused optimizer updates over flat buffers.
#include "kernels/operand_checks.h"
#include "kernels/ops.h"
#include "runtime/error.h"

namespace gyre::kernels {
namespace {
void run(const char* op, OptimizerArgs args, const Tensor& parameters, const Tensor& gradients,
         const Tensor* state_1, const Tensor* state_2) {
  checks::float_operand(op, "parameters", parameters);
  checks::float_operand(op, "gradients", gradients);
  checks::same_shape(op, "gradients", gradients, "parameters", parameters);
  checks::same_device(op, "gradients", gradients, parameters);
  for (const Tensor* state : {state_1, state_2}) {
    if (state == nullptr) continue;
    checks::float_operand(op, "optimizer state", *state);
    checks::same_shape(op, "optimizer state", *state, "parameters", parameters);
    checks::same_device(op, "optimizer state", *state, parameters);
  }
  GYRE_CHECK(args.learning_rate >= 0.0f, InvalidArgumentError, op, ": learning rate ",
             args.learning_rate, " is negative");
  args.parameters = checks::f32(parameters);
  args.gradients = checks::f32(gradients);
  args.state_1 = state_1 != nullptr ? checks::f32(*state_1) : nullptr;
  args.state_2 = state_2 != nullptr ? checks::f32(*state_2) : nullptr;
  args.count = parameters.numel();
  checks::backend(parameters.device()).optimizer_update(args, checks::stream(parameters.device()));
}
}  // namespace

void sgd_update(const Tensor& parameters, const Tensor& gradients, float learning_rate) {
  OptimizerArgs args;
  args.optimizer = Optimizer::sgd;
  args.learning_rate = learning_rate;
  run("sgd_update", args, parameters, gradients, nullptr, nullptr);
}

void momentum_update(const Tensor& parameters, const Tensor& gradients, const Tensor& velocity,
                     float learning_rate, float momentum, bool nesterov) {
  OptimizerArgs args;
  args.optimizer = nesterov ? Optimizer::nesterov : Optimizer::momentum;
  args.learning_rate = learning_rate;
  args.momentum = momentum;
  run("momentum_update", args, parameters, gradients, &velocity, nullptr);
}

namespace {
OptimizerArgs adam_args(float learning_rate, float beta_1, float beta_2, float epsilon,
                        float weight_decay) {
  GYRE_CHECK(beta_1 >= 0.0f && beta_1 < 1.0f && beta_2 >= 0.0f && beta_2 < 1.0f,
             InvalidArgumentError, "adam_update: beta_1 ", beta_1, " and beta_2 ", beta_2,
             " must be in [0, 1)");
  OptimizerArgs args;
  args.optimizer = weight_decay != 0.0f ? Optimizer::adamw : Optimizer::adam;
  args.learning_rate = learning_rate;
  args.beta_1 = beta_1;
  args.beta_2 = beta_2;
  args.epsilon = epsilon;
  args.weight_decay = weight_decay;
  return args;
}
}  // namespace

void adam_update(const Tensor& parameters, const Tensor& gradients, const Tensor& first_moment,
                 const Tensor& second_moment, float learning_rate, std::int64_t step, float beta_1,
                 float beta_2, float epsilon, float weight_decay) {
  GYRE_CHECK(step >= 1, InvalidArgumentError, "adam_update: step ", step, " must count from 1");
  OptimizerArgs args = adam_args(learning_rate, beta_1, beta_2, epsilon, weight_decay);
  args.step = step;
  run("adam_update", args, parameters, gradients, &first_moment, &second_moment);
}

void adam_update(const Tensor& parameters, const Tensor& gradients, const Tensor& first_moment,
                 const Tensor& second_moment, float learning_rate, const Tensor& step, float beta_1,
                 float beta_2, float epsilon, float weight_decay) {
  OptimizerArgs args = adam_args(learning_rate, beta_1, beta_2, epsilon, weight_decay);
  args.step_counter = checks::counter("adam_update", step, parameters.device());
  run("adam_update", args, parameters, gradients, &first_moment, &second_moment);
}

void increment(const Tensor& counter) {
  checks::backend(counter.device())
      .increment(checks::counter("increment", counter, counter.device()),
                 checks::stream(counter.device()));
}

}  // namespace gyre::kernels
