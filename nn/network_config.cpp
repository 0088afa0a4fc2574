#include "nn/network_config.h"

#include <fstream>
#include <sstream>

#include "nn/layer_registry.h"
#include "runtime/error.h"

namespace gyre::nn {

nlohmann::json NetworkConfig::to_json() const {
  std::vector<std::int64_t> dims(input.dims(), input.dims() + input.rank());
  return {{"input", dims},
          {"seed", seed},
          {"updater", updater.to_json()},
          {"training_workspace_mode", name_of(training_mode)},
          {"inference_workspace_mode", name_of(inference_mode)},
          {"prefetch", prefetch},
          {"layers", layers}};
}

NetworkConfig NetworkConfig::from_json(const nlohmann::json& json) {
  GYRE_CHECK(json.is_object(), InvalidArgumentError, "a network config must be a JSON object");
  NetworkConfig config;
  GYRE_CHECK(json.contains("input") && json["input"].is_array() && !json["input"].empty() &&
                 json["input"].size() <= static_cast<std::size_t>(Shape::kMaxRank - 1),
             InvalidArgumentError,
             "network config: 'input' must be the shape of one example, e.g. [784] or [1, 28, 28]");
  std::int64_t dims[Shape::kMaxRank];
  int rank = 0;
  for (const auto& dim : json["input"]) {
    GYRE_CHECK(dim.is_number_integer() && dim.get<std::int64_t>() > 0, InvalidArgumentError,
               "network config: 'input' dimensions must be positive integers, got ",
               json["input"].dump());
    dims[rank++] = dim.get<std::int64_t>();
  }
  config.input = Shape(dims, rank);
  if (json.contains("seed")) {
    GYRE_CHECK(json["seed"].is_number_unsigned(), InvalidArgumentError,
               "network config: 'seed' must be >= 0");
    config.seed = json["seed"].get<std::uint64_t>();
  }
  if (json.contains("updater")) config.updater = UpdaterConfig::from_json(json["updater"]);
  for (const char* key : {"training_workspace_mode", "inference_workspace_mode"}) {
    if (!json.contains(key)) continue;
    GYRE_CHECK(json[key].is_string(), InvalidArgumentError, "network config: '", key,
               "' must be a string");
    (std::string(key) == "training_workspace_mode" ? config.training_mode : config.inference_mode) =
        parse_workspace_mode(json[key].get<std::string>());
  }
  if (json.contains("prefetch")) {
    GYRE_CHECK(json["prefetch"].is_number_integer() && json["prefetch"].get<std::int64_t>() >= 0 &&
                   json["prefetch"].get<std::int64_t>() <= 64,
               InvalidArgumentError,
               "network config: 'prefetch' must be an integer from 0 (no prefetching) to 64, got ",
               json["prefetch"].dump());
    config.prefetch = json["prefetch"].get<int>();
  }
  GYRE_CHECK(json.contains("layers") && json["layers"].is_array() && !json["layers"].empty(),
             InvalidArgumentError, "network config: 'layers' must be a non-empty array");
  for (const auto& layer : json["layers"]) {
    // Built once to check it (the network builds its own): a wrong type, an unknown key or
    // a bad value is reported here, where from_file can name the file.
    (void)make_layer(layer, static_cast<int>(config.layers.size()));
    config.layers.push_back(layer);
  }
  return config;
}

NetworkConfig NetworkConfig::from_file(const std::string& path) {
  std::ifstream in(path);
  GYRE_CHECK(in.good(), InvalidArgumentError, "cannot read the network config '", path, "'");
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  GYRE_CHECK(!json.is_discarded(), InvalidArgumentError, "network config '", path,
             "' is not valid JSON");
  try {
    return from_json(json);
  } catch (const InvalidArgumentError& error) {
    throw InvalidArgumentError(strcat(path, ": ", error.what()));
  }
}

NetworkConfig NetworkConfig::mlp() {
  return NetworkBuilder().input({784}).dense(256).dense(128).output(10).build();
}

NetworkBuilder& NetworkBuilder::input(const Shape& example) {
  config_.input = example;
  return *this;
}
NetworkBuilder& NetworkBuilder::dense(std::int64_t units, const std::string& activation) {
  config_.layers.push_back({{"type", "dense"}, {"units", units}, {"activation", activation}});
  return *this;
}
NetworkBuilder& NetworkBuilder::conv2d(std::int64_t channels, std::int64_t kernel,
                                       std::int64_t stride, std::int64_t padding,
                                       const std::string& activation) {
  config_.layers.push_back({{"type", "conv2d"},
                            {"channels", channels},
                            {"kernel", kernel},
                            {"stride", stride},
                            {"padding", padding},
                            {"activation", activation}});
  return *this;
}
NetworkBuilder& NetworkBuilder::max_pool(std::int64_t kernel, std::int64_t stride) {
  config_.layers.push_back({{"type", "maxpool"}, {"kernel", kernel}, {"stride", stride}});
  return *this;
}
NetworkBuilder& NetworkBuilder::avg_pool(std::int64_t kernel, std::int64_t stride) {
  config_.layers.push_back({{"type", "avgpool"}, {"kernel", kernel}, {"stride", stride}});
  return *this;
}
NetworkBuilder& NetworkBuilder::batch_norm(float momentum, float epsilon) {
  config_.layers.push_back({{"type", "batchnorm"}, {"momentum", momentum}, {"epsilon", epsilon}});
  return *this;
}
NetworkBuilder& NetworkBuilder::dropout(float probability) {
  config_.layers.push_back({{"type", "dropout"}, {"probability", probability}});
  return *this;
}
NetworkBuilder& NetworkBuilder::activation(const std::string& name) {
  config_.layers.push_back({{"type", "activation"}, {"activation", name}});
  return *this;
}
NetworkBuilder& NetworkBuilder::output(std::int64_t units, const std::string& loss) {
  config_.layers.push_back({{"type", "output"}, {"units", units}, {"loss", loss}});
  return *this;
}
NetworkBuilder& NetworkBuilder::layer(const nlohmann::json& config) {
  config_.layers.push_back(config);
  return *this;
}
NetworkBuilder& NetworkBuilder::updater(const UpdaterConfig& updater) {
  config_.updater = updater;
  return *this;
}
NetworkBuilder& NetworkBuilder::seed(std::uint64_t seed) {
  config_.seed = seed;
  return *this;
}
NetworkBuilder& NetworkBuilder::workspace_modes(WorkspaceMode training, WorkspaceMode inference) {
  config_.training_mode = training;
  config_.inference_mode = inference;
  return *this;
}
NetworkBuilder& NetworkBuilder::prefetch(int batches) {
  config_.prefetch = batches;
  return *this;
}
NetworkConfig NetworkBuilder::build() const {
  return NetworkConfig::from_json(config_.to_json());
}

}  // namespace gyre::nn
