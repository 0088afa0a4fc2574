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

/// A named input of the graph and the shape of one of its examples.
struct GraphInput {
  std::string name;
  Shape shape;  // one example: [784] or [1, 28, 28]
};

/// A vertex: a layer (or a parameterless vertex such as "add") and the names of the graph
/// inputs or vertices it reads.
struct VertexConfig {
  std::string name;
  std::vector<std::string> inputs;
  nlohmann::json layer;  // {"type": ..., ...}, as the layer registry reads it
};

/// An output vertex (an "output" layer, with its loss) and its weight in the summed loss.
struct GraphOutput {
  std::string vertex;
  float weight = 1.0f;
};

/// A network is a graph of vertices; a sequential network is the chain whose input is named
/// "input", whose vertices are named "0", "1", ... and whose output is the last vertex. Its
/// JSON keeps the short form {"input": [...], "layers": [...]}; any other graph is written
/// {"inputs": [...], "vertices": [...], "outputs": [...]} (docs/design/graphs.md).
struct NetworkConfig {
  std::vector<GraphInput> inputs;
  std::vector<VertexConfig> vertices;
  std::vector<GraphOutput> outputs;
  UpdaterConfig updater;
  std::uint64_t seed = 42;
  WorkspaceMode training_mode = WorkspaceMode::SEPARATE;
  WorkspaceMode inference_mode = WorkspaceMode::SEPARATE;
  /// Batches fit() prefetches on a background thread for a source that is
  /// async_supported() (0: none, the source is read on the training thread).
  int prefetch = 2;

  /// Whether the graph is a chain in the sequential naming (its JSON's short form).
  bool sequential() const;
  /// The example shape of the single input; throws InvalidArgumentError for a graph of
  /// several inputs.
  const Shape& input_shape() const;

  nlohmann::json to_json() const;
  /// Validates everything; errors name the field (and the layer index or vertex name) that
  /// is wrong. The graph's structure (names, cycles, outputs) is checked by GraphTopology.
  static NetworkConfig from_json(const nlohmann::json& json);
  /// from_json() of a file; its errors start with the file's path.
  static NetworkConfig from_file(const std::string& path);
  /// The standard MLP: 784-256-128-10, ReLU, softmax cross-entropy, Adam (lr 1e-3).
  static NetworkConfig mlp();
};

/// Builds a NetworkConfig in C++. Sequential: Builder().input({784}).dense(256, "relu")...
/// .output(10).build(), each layer reading the one before. A graph:
/// Builder().graph_input("x", {784}).vertex("h", dense_json, {"x"})...graph_outputs({{"out"}}).
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
  /// A layer of any registered type, e.g. layer({{"type", "dense"}, {"units", 8}}), reading
  /// the layer before it (or the input).
  NetworkBuilder& layer(const nlohmann::json& config);
  /// A named graph input.
  NetworkBuilder& graph_input(const std::string& name, const Shape& example);
  /// A named vertex reading `inputs` (graph inputs or vertices, in order).
  NetworkBuilder& vertex(const std::string& name, const nlohmann::json& layer,
                         const std::vector<std::string>& inputs);
  /// The output vertices and their loss weights (default: the last vertex, weight 1).
  NetworkBuilder& graph_outputs(const std::vector<GraphOutput>& outputs);
  NetworkBuilder& updater(const UpdaterConfig& updater);
  NetworkBuilder& seed(std::uint64_t seed);
  NetworkBuilder& workspace_modes(WorkspaceMode training, WorkspaceMode inference);
  NetworkBuilder& prefetch(int batches);
  NetworkConfig build() const;

 private:
  NetworkConfig config_;
};

}  // namespace gyre::nn
