#pragma once
// One element of each fused optimizer update, shared by the CPU and CUDA kernels.
#include <cmath>

#include "kernels/backend.h"
#include "kernels/host_device.h"

namespace gyre::kernels {

/// Per-update constants (Adam's bias corrections), computed once on the host.
struct OptimizerConstants {
  float correction_1 = 1.0f;  // 1 / (1 − β1^t)
  float correction_2 = 1.0f;  // 1 / (1 − β2^t)
};

inline OptimizerConstants optimizer_constants(const OptimizerArgs& args) {
  OptimizerConstants constants;
  if (args.optimizer == Optimizer::adam || args.optimizer == Optimizer::adamw) {
    const double step = static_cast<double>(args.step);
    constants.correction_1 =
        static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(args.beta_1), step)));
    constants.correction_2 =
        static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(args.beta_2), step)));
  }
  return constants;
}

GYRE_HOST_DEVICE void update_one(const OptimizerArgs& args, const OptimizerConstants& constants,
                                 std::int64_t i) {
  const float gradient = args.gradients[i];
  float& parameter = args.parameters[i];
  switch (args.optimizer) {
    case Optimizer::sgd:
      parameter -= args.learning_rate * gradient;
      break;
    case Optimizer::momentum: {  // v = μ v + g; p −= lr v
      const float velocity = args.momentum * args.state_1[i] + gradient;
      args.state_1[i] = velocity;
      parameter -= args.learning_rate * velocity;
      break;
    }
    case Optimizer::nesterov: {  // v = μ v + g; p −= lr (g + μ v)
      const float velocity = args.momentum * args.state_1[i] + gradient;
      args.state_1[i] = velocity;
      parameter -= args.learning_rate * (gradient + args.momentum * velocity);
      break;
    }
    case Optimizer::adam:
    case Optimizer::adamw: {
      const float m = args.beta_1 * args.state_1[i] + (1.0f - args.beta_1) * gradient;
      const float v = args.beta_2 * args.state_2[i] + (1.0f - args.beta_2) * gradient * gradient;
      args.state_1[i] = m;
      args.state_2[i] = v;
      const float m_hat = m * constants.correction_1;
      const float v_hat = v * constants.correction_2;
      float step = m_hat / (sqrtf(v_hat) + args.epsilon);
      if (args.optimizer == Optimizer::adamw)
        step += args.weight_decay * parameter;  // decoupled decay
      parameter -= args.learning_rate * step;
      break;
    }
  }
}

}  // namespace gyre::kernels
