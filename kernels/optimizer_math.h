#pragma once
// One element of each fused optimizer update, shared by the CPU and CUDA kernels.
#include <cfloat>
#include <cmath>
#include <type_traits>

#include "kernels/backend.h"
#include "kernels/host_device.h"

namespace gyre::kernels {

/// Per-update constants (Adam's bias corrections): computed once on the host, or once per
/// thread in a kernel that reads the step from device memory (args.step_counter).
struct OptimizerConstants {
  float correction_1 = 1.0f;  // 1 / (1 − β1^t)
  float correction_2 = 1.0f;  // 1 / (1 − β2^t)
};

GYRE_HOST_DEVICE OptimizerConstants optimizer_constants(const OptimizerArgs& args,
                                                        std::int64_t step_count) {
  using std::pow;
  OptimizerConstants constants;
  if (args.optimizer == Optimizer::adam || args.optimizer == Optimizer::adamw) {
    const double step = static_cast<double>(step_count);
    constants.correction_1 =
        static_cast<float>(1.0 / (1.0 - pow(static_cast<double>(args.beta_1), step)));
    constants.correction_2 =
        static_cast<float>(1.0 / (1.0 - pow(static_cast<double>(args.beta_2), step)));
  }
  return constants;
}

/// Optimizer state is stored with subnormal values as zero. A parameter whose gradient stays
/// zero (a weight of an always-blank pixel, of a dead unit) has its moments decay by β every
/// step into the subnormal range, where each operation on them takes a CPU microcode assist:
/// 1% of Adam's state there slowed a whole MLP training step by 10%. Zero is exact and free;
/// the change is below 1.2e-38. Explicit, so that the CPU and the GPU store the same bits.
GYRE_HOST_DEVICE float flush_subnormal(float x) {
  return fabsf(x) < FLT_MIN ? 0.0f : x;
}

/// One element of the update of optimizer `kind` (a template, so that the CPU loop of each
/// kind is a straight vectorizable line).
template <Optimizer kind>
GYRE_HOST_DEVICE void update_element(const OptimizerArgs& args, const OptimizerConstants& constants,
                                     std::int64_t i) {
  const float gradient = args.gradients[i];
  float& parameter = args.parameters[i];
  if constexpr (kind == Optimizer::sgd) {
    parameter -= args.learning_rate * gradient;
  } else if constexpr (kind == Optimizer::momentum) {  // v = μ v + g; p −= lr v
    const float velocity = flush_subnormal(args.momentum * args.state_1[i] + gradient);
    args.state_1[i] = velocity;
    parameter -= args.learning_rate * velocity;
  } else if constexpr (kind == Optimizer::nesterov) {  // v = μ v + g; p −= lr (g + μ v)
    const float velocity = flush_subnormal(args.momentum * args.state_1[i] + gradient);
    args.state_1[i] = velocity;
    parameter -= args.learning_rate * (gradient + args.momentum * velocity);
  } else {  // Adam, and AdamW with decoupled weight decay
    const float m =
        flush_subnormal(args.beta_1 * args.state_1[i] + (1.0f - args.beta_1) * gradient);
    const float v =
        flush_subnormal(args.beta_2 * args.state_2[i] + (1.0f - args.beta_2) * gradient * gradient);
    args.state_1[i] = m;
    args.state_2[i] = v;
    float step = m * constants.correction_1 / (sqrtf(v * constants.correction_2) + args.epsilon);
    if constexpr (kind == Optimizer::adamw) step += args.weight_decay * parameter;
    parameter -= args.learning_rate * step;
  }
}

/// Calls `function(std::integral_constant<Optimizer, kind>)` for the args' optimizer.
template <typename Function>
void with_optimizer(Optimizer optimizer, Function function) {
  switch (optimizer) {
    case Optimizer::sgd:
      return function(std::integral_constant<Optimizer, Optimizer::sgd>{});
    case Optimizer::momentum:
      return function(std::integral_constant<Optimizer, Optimizer::momentum>{});
    case Optimizer::nesterov:
      return function(std::integral_constant<Optimizer, Optimizer::nesterov>{});
    case Optimizer::adam:
      return function(std::integral_constant<Optimizer, Optimizer::adam>{});
    case Optimizer::adamw:
      return function(std::integral_constant<Optimizer, Optimizer::adamw>{});
  }
}

}  // namespace gyre::kernels
