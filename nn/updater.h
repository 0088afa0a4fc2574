#pragma once
// The updater: one fused optimizer step over the flat parameter buffer.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/tensor.h"

namespace gyre::nn {

struct UpdaterConfig {
  std::string type = "adam";  // sgd, momentum, nesterov, adam, adamw
  float learning_rate = 1e-3f;
  float momentum = 0.9f;
  float beta_1 = 0.9f, beta_2 = 0.999f, epsilon = 1e-8f;
  float weight_decay = 0.0f;  // adamw

  /// Floats of updater state per parameter: 0 (sgd), 1 (momentum), 2 (adam).
  int state_per_parameter() const;
  nlohmann::json to_json() const;
  /// Throws InvalidArgumentError naming the field for a bad type or value.
  static UpdaterConfig from_json(const nlohmann::json& json);
};

/// Applies one step: parameters −= f(gradients, state). `step` (an i64 scalar on the
/// parameters' device, counting from 1) is read by the kernel when it runs, so that a
/// replayed CUDA graph takes each new step.
void apply_update(const UpdaterConfig& config, const Tensor& parameters, const Tensor& gradients,
                  const Tensor& state, const Tensor& step);

}  // namespace gyre::nn
