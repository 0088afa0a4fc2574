#pragma once
// LayerRegistry: the layer types a network config may name, each with the keys its JSON
// config takes and a factory. Every layer's .cpp registers its own types through a
// register_*() function that the registry calls when it is first used (explicit calls: a
// static initializer in a static library is dropped by the linker when nothing else in its
// object file is used).
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/layer.h"

namespace gyre::nn {

/// One layer's JSON config as its factory reads it: the helpers check the value's kind and
/// give the fallback for a key that is absent. Errors name the key and the layer's index.
class LayerSettings {
 public:
  LayerSettings(const nlohmann::json& json, int index) : json_(json), index_(index) {}
  /// Throws InvalidArgumentError when `key` is absent and `required`.
  std::int64_t integer(const char* key, std::int64_t fallback, bool required = false) const;
  float real(const char* key, float fallback) const;
  std::string text(const char* key, const std::string& fallback) const;
  bool flag(const char* key, bool fallback) const;
  /// A required array of positive integers (an example shape).
  Shape shape(const char* key) const;
  std::string type() const { return json_["type"].get<std::string>(); }
  int index() const { return index_; }

 private:
  const nlohmann::json& json_;
  int index_;
};

using LayerFactory = std::function<std::unique_ptr<Layer>(const LayerSettings& settings)>;

class LayerRegistry {
 public:
  /// The registry of the built-in layers (registered on first use). Add custom types before
  /// networks are built from other threads: it is not locked.
  static LayerRegistry& instance();

  /// Registers `type` with the keys its config may hold besides "type". Throws
  /// InvalidArgumentError when the type is registered already.
  void add(const std::string& type, std::vector<std::string> keys, LayerFactory factory);
  /// Builds layer `index` from its config. Throws InvalidArgumentError for an unknown type
  /// (naming the known ones), a key the type does not take, or a bad value.
  std::unique_ptr<Layer> make(const nlohmann::json& config, int index) const;
  bool contains(const std::string& type) const { return types_.count(type) != 0; }
  /// The registered type names, sorted.
  std::vector<std::string> types() const;

 private:
  struct Entry {
    std::vector<std::string> keys;
    LayerFactory factory;
  };
  std::map<std::string, Entry> types_;
};

/// Builds one layer from its JSON config with the registry's types (throws
/// InvalidArgumentError naming the field).
std::unique_ptr<Layer> make_layer(const nlohmann::json& config, int index);

// The built-in layers' registrations, each defined next to its layer.
void register_dense_layer(LayerRegistry& registry);         // dense_layer.cpp
void register_output_layer(LayerRegistry& registry);        // output_layer.cpp
void register_convolution_layers(LayerRegistry& registry);  // convolution_layers.cpp
void register_simple_layers(LayerRegistry& registry);       // simple_layers.cpp
void register_vertices(LayerRegistry& registry);            // vertices.cpp
void register_recurrent_layers(LayerRegistry& registry);    // recurrent_layers.cpp
void register_embedding_layer(LayerRegistry& registry);     // embedding_layer.cpp

}  // namespace gyre::nn
