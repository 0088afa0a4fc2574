#include "nn/updater.h"

#include "kernels/ops.h"
#include "runtime/error.h"

namespace gyre::nn {

int UpdaterConfig::state_per_parameter() const {
  if (type == "sgd") return 0;
  if (type == "momentum" || type == "nesterov") return 1;
  return 2;
}

nlohmann::json UpdaterConfig::to_json() const {
  return {{"type", type},
          {"learning_rate", learning_rate},
          {"momentum", momentum},
          {"beta1", beta_1},
          {"beta2", beta_2},
          {"epsilon", epsilon},
          {"weight_decay", weight_decay}};
}

UpdaterConfig UpdaterConfig::from_json(const nlohmann::json& json) {
  GYRE_CHECK(json.is_object(), InvalidArgumentError, "updater config must be an object, got ",
             json.dump());
  UpdaterConfig config;
  auto number = [&](const char* key, float& field) {
    if (!json.contains(key)) return;
    GYRE_CHECK(json[key].is_number(), InvalidArgumentError, "updater field '", key,
               "' must be a number, got ", json[key].dump());
    field = json[key].get<float>();
  };
  if (json.contains("type")) {
    GYRE_CHECK(json["type"].is_string(), InvalidArgumentError,
               "updater field 'type' must be a string");
    config.type = json["type"].get<std::string>();
  }
  number("learning_rate", config.learning_rate);
  number("momentum", config.momentum);
  number("beta1", config.beta_1);
  number("beta2", config.beta_2);
  number("epsilon", config.epsilon);
  number("weight_decay", config.weight_decay);
  GYRE_CHECK(config.type == "sgd" || config.type == "momentum" || config.type == "nesterov" ||
                 config.type == "adam" || config.type == "adamw",
             InvalidArgumentError, "unknown updater '", config.type,
             "'; use sgd, momentum, nesterov, adam or adamw");
  GYRE_CHECK(config.learning_rate > 0.0f, InvalidArgumentError, "updater learning_rate ",
             config.learning_rate, " must be > 0");
  return config;
}

void apply_update(const UpdaterConfig& config, const Tensor& parameters, const Tensor& gradients,
                  const Tensor& state, const Tensor& step) {
  const std::int64_t count = parameters.numel();
  if (config.type == "sgd") {
    kernels::sgd_update(parameters, gradients, config.learning_rate);
  } else if (config.type == "momentum" || config.type == "nesterov") {
    kernels::momentum_update(parameters, gradients, state.slice(0, 0, count), config.learning_rate,
                             config.momentum, config.type == "nesterov");
  } else {
    kernels::adam_update(parameters, gradients, state.slice(0, 0, count),
                         state.slice(0, count, 2 * count), config.learning_rate, step,
                         config.beta_1, config.beta_2, config.epsilon,
                         config.type == "adamw" ? config.weight_decay : 0.0f);
  }
}

}  // namespace gyre::nn
