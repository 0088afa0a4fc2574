#include "nn/layer_registry.h"

#include <algorithm>

#include "runtime/error.h"

namespace gyre::nn {
namespace {

// "a, b or c" (for the lists in error messages).
std::string listed(const std::vector<std::string>& names, const char* last_separator) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? last_separator : ", ";
    text += names[i];
  }
  return text;
}

}  // namespace

std::int64_t LayerSettings::integer(const char* key, std::int64_t fallback, bool required) const {
  if (!json_.contains(key)) {
    GYRE_CHECK(!required, InvalidArgumentError, "layer ", index_, " (", json_.dump(), ") needs '",
               key, "'");
    return fallback;
  }
  GYRE_CHECK(json_[key].is_number_integer(), InvalidArgumentError, "layer ", index_, ": '", key,
             "' must be an integer, got ", json_[key].dump());
  return json_[key].get<std::int64_t>();
}

float LayerSettings::real(const char* key, float fallback) const {
  if (!json_.contains(key)) return fallback;
  GYRE_CHECK(json_[key].is_number(), InvalidArgumentError, "layer ", index_, ": '", key,
             "' must be a number, got ", json_[key].dump());
  return json_[key].get<float>();
}

std::string LayerSettings::text(const char* key, const std::string& fallback) const {
  if (!json_.contains(key)) return fallback;
  GYRE_CHECK(json_[key].is_string(), InvalidArgumentError, "layer ", index_, ": '", key,
             "' must be a string, got ", json_[key].dump());
  return json_[key].get<std::string>();
}

bool LayerSettings::flag(const char* key, bool fallback) const {
  if (!json_.contains(key)) return fallback;
  GYRE_CHECK(json_[key].is_boolean(), InvalidArgumentError, "layer ", index_, ": '", key,
             "' must be true or false, got ", json_[key].dump());
  return json_[key].get<bool>();
}

Shape LayerSettings::shape(const char* key) const {
  const bool valid = json_.contains(key) && json_[key].is_array() && !json_[key].empty() &&
                     json_[key].size() < static_cast<std::size_t>(Shape::kMaxRank);
  GYRE_CHECK(valid, InvalidArgumentError, "layer ", index_, " (", json_.dump(), ") needs '", key,
             "': the shape of one example, e.g. [16, 7, 7]");
  std::int64_t dims[Shape::kMaxRank];
  int rank = 0;
  for (const auto& dim : json_[key]) {
    GYRE_CHECK(dim.is_number_integer() && dim.get<std::int64_t>() > 0, InvalidArgumentError,
               "layer ", index_, ": '", key, "' must hold positive integers, got ",
               json_[key].dump());
    dims[rank++] = dim.get<std::int64_t>();
  }
  return Shape(dims, rank);
}

LayerRegistry& LayerRegistry::instance() {
  static LayerRegistry registry = [] {
    LayerRegistry builtin;
    register_dense_layer(builtin);
    register_output_layer(builtin);
    register_convolution_layers(builtin);
    register_simple_layers(builtin);
    register_vertices(builtin);
    register_recurrent_layers(builtin);
    register_embedding_layer(builtin);
    return builtin;
  }();
  return registry;
}

void LayerRegistry::add(const std::string& type, std::vector<std::string> keys,
                        LayerFactory factory) {
  GYRE_CHECK(!contains(type), InvalidArgumentError, "layer type '", type,
             "' is registered already; give the new one another name");
  std::sort(keys.begin(), keys.end());
  types_[type] = Entry{std::move(keys), std::move(factory)};
}

std::vector<std::string> LayerRegistry::types() const {
  std::vector<std::string> names;
  for (const auto& entry : types_) names.push_back(entry.first);
  return names;
}

std::unique_ptr<Layer> LayerRegistry::make(const nlohmann::json& config, int index) const {
  GYRE_CHECK(config.is_object() && config.contains("type") && config["type"].is_string(),
             InvalidArgumentError, "layer ", index, " must be an object with a string 'type', got ",
             config.dump());
  const std::string type = config["type"].get<std::string>();
  const auto found = types_.find(type);
  GYRE_CHECK(found != types_.end(), InvalidArgumentError, "layer ", index, ": unknown type '", type,
             "'; use ", listed(types(), " or "));
  const std::vector<std::string>& keys = found->second.keys;
  for (const auto& item : config.items()) {
    GYRE_CHECK(item.key() == "type" || std::binary_search(keys.begin(), keys.end(), item.key()),
               InvalidArgumentError, "layer ", index, ": unknown key '", item.key(), "' for a '",
               type, "' layer; it takes ",
               keys.empty() ? "none but 'type'" : listed(keys, " and "));
  }
  return found->second.factory(LayerSettings(config, index));
}

std::unique_ptr<Layer> make_layer(const nlohmann::json& config, int index) {
  return LayerRegistry::instance().make(config, index);
}

}  // namespace gyre::nn
