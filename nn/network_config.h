#pragma once
// NetworkConfig: what a network is made of (JSON, or NetworkBuilder in C++), validated as it
// is read: each layer's config is checked by the LayerRegistry (its type and keys).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/updater.h"
#include "nn/workspace_mode.h"
#include "runtime/shape.h"

namespace gyre::nn {

struct NetworkConfig {
  Shape input;                         // one example: [784] or [1, 28, 28]
  std::vector<nlohmann::json> layers;  // each {"type": ..., ...}; the last is "output"
  UpdaterConfig updater;
  std::uint64_t seed = 42;
  WorkspaceMode training_mode = WorkspaceMode::SEPARATE;
  WorkspaceMode inference_mode = WorkspaceMode::SEPARATE;
  /// Batches fit() prefetches on a background thread for a source that is
  /// async_supported() (0: none, the source is read on the training thread).
  int prefetch = 2;

  nlohmann::json to_json() const;
  /// Validates everything; errors name the field (and layer index) that is wrong.
  static NetworkConfig from_json(const nlohmann::json& json);
  /// from_json() of a file; its errors start with the file's path.
  static NetworkConfig from_file(const std::string& path);
  /// The standard MLP: 784-256-128-10, ReLU, softmax cross-entropy, Adam (lr 1e-3).
  static NetworkConfig mlp();
};

/// Builds a NetworkConfig in C++: Builder().input({784}).dense(256, "relu")...build().
class NetworkBuilder {
 public:
  NetworkBuilder& input(const Shape& example);
  NetworkBuilder& dense(std::int64_t units, const std::string& activation = "relu");
  NetworkBuilder& conv2d(std::int64_t channels, std::int64_t kernel, std::int64_t stride = 1,
                         std::int64_t padding = 0, const std::string& activation = "relu");
  NetworkBuilder& max_pool(std::int64_t kernel = 2, std::int64_t stride = 2);
  NetworkBuilder& avg_pool(std::int64_t kernel = 2, std::int64_t stride = 2);
  NetworkBuilder& batch_norm(float momentum = 0.1f, float epsilon = 1e-5f);
  NetworkBuilder& dropout(float probability);
  NetworkBuilder& activation(const std::string& name);
  NetworkBuilder& output(std::int64_t units, const std::string& loss = "mcxent");
  /// A layer of any registered type, e.g. layer({{"type", "dense"}, {"units", 8}}).
  NetworkBuilder& layer(const nlohmann::json& config);
  NetworkBuilder& updater(const UpdaterConfig& updater);
  NetworkBuilder& seed(std::uint64_t seed);
  NetworkBuilder& workspace_modes(WorkspaceMode training, WorkspaceMode inference);
  NetworkBuilder& prefetch(int batches);
  NetworkConfig build() const;

 private:
  NetworkConfig config_;
};

}  // namespace gyre::nn
