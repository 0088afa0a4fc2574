#include "nn/network_config.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "nn/graph_topology.h"
#include "nn/layer_registry.h"
#include "runtime/error.h"

namespace gyre::nn {

namespace {

std::vector<std::int64_t> dims_of(const Shape& shape) {
  return std::vector<std::int64_t>(shape.dims(), shape.dims() + shape.rank());
}

// The shape of one example, from a JSON array of positive integers.
Shape example_shape(const nlohmann::json& json, const std::string& what) {
  GYRE_CHECK(json.is_array() && !json.empty() &&
                 json.size() <= static_cast<std::size_t>(Shape::kMaxRank - 1),
             InvalidArgumentError, "network config: ", what,
             " must be the shape of one example, e.g. [784] or [1, 28, 28]");
  std::int64_t dims[Shape::kMaxRank];
  int rank = 0;
  for (const auto& dim : json) {
    GYRE_CHECK(dim.is_number_integer() && dim.get<std::int64_t>() > 0, InvalidArgumentError,
               "network config: ", what, " dimensions must be positive integers, got ",
               json.dump());
    dims[rank++] = dim.get<std::int64_t>();
  }
  return Shape(dims, rank);
}

std::string text_field(const nlohmann::json& json, const char* key, const std::string& where) {
  GYRE_CHECK(json.contains(key) && json[key].is_string(), InvalidArgumentError,
             "network config: ", where, " needs a string '", key, "', got ", json.dump());
  return json[key].get<std::string>();
}

// Builds the layer once to check it (the network builds its own): a wrong type, an unknown
// key or a bad value is reported here, where from_file can name the file.
void check_layer(const VertexConfig& vertex, int index, bool sequential) {
  try {
    (void)make_layer(vertex.layer, index);
  } catch (const InvalidArgumentError& error) {
    if (sequential) throw;
    throw InvalidArgumentError(strcat("vertex '", vertex.name, "': ", error.what()));
  }
}

// {"input": [...], "layers": [...]}: the chain "input" -> "0" -> "1" -> ...
void read_sequential(const nlohmann::json& json, NetworkConfig& config) {
  config.inputs.push_back({"input", example_shape(json["input"], "'input'")});
  GYRE_CHECK(json.contains("layers") && json["layers"].is_array() && !json["layers"].empty(),
             InvalidArgumentError, "network config: 'layers' must be a non-empty array");
  for (const auto& layer : json["layers"]) {
    const int index = static_cast<int>(config.vertices.size());
    VertexConfig vertex{std::to_string(index),
                        {index == 0 ? std::string("input") : std::to_string(index - 1)},
                        layer};
    check_layer(vertex, index, true);
    config.vertices.push_back(std::move(vertex));
  }
  config.outputs.push_back({config.vertices.back().name, 1.0f});
}

// {"inputs": [{"name", "shape"}], "vertices": [{"name", "inputs", "type", ...}], "outputs"}.
void read_graph(const nlohmann::json& json, NetworkConfig& config) {
  GYRE_CHECK(json["inputs"].is_array() && !json["inputs"].empty(), InvalidArgumentError,
             "network config: 'inputs' must be a non-empty array of {\"name\", \"shape\"}");
  for (const auto& input : json["inputs"]) {
    GYRE_CHECK(input.is_object(), InvalidArgumentError,
               "network config: each of 'inputs' must be {\"name\", \"shape\"}, got ",
               input.dump());
    const std::string name = text_field(input, "name", "a graph input");
    GYRE_CHECK(input.contains("shape"), InvalidArgumentError, "network config: graph input '", name,
               "' needs a 'shape'");
    config.inputs.push_back({name, example_shape(input["shape"], "input '" + name + "' shape")});
  }
  GYRE_CHECK(json.contains("vertices") && json["vertices"].is_array() && !json["vertices"].empty(),
             InvalidArgumentError, "network config: 'vertices' must be a non-empty array");
  for (const auto& item : json["vertices"]) {
    GYRE_CHECK(item.is_object(), InvalidArgumentError,
               "network config: each vertex must be an object, got ", item.dump());
    VertexConfig vertex;
    vertex.name = text_field(item, "name", "a vertex");
    vertex.layer = item;
    vertex.layer.erase("name");
    vertex.layer.erase("inputs");
    if (item.contains("inputs")) {
      GYRE_CHECK(item["inputs"].is_array(), InvalidArgumentError, "vertex '", vertex.name,
                 "': 'inputs' must be an array of names, got ", item["inputs"].dump());
      for (const auto& input : item["inputs"]) {
        GYRE_CHECK(input.is_string(), InvalidArgumentError, "vertex '", vertex.name,
                   "': 'inputs' must be an array of names, got ", item["inputs"].dump());
        vertex.inputs.push_back(input.get<std::string>());
      }
    } else {  // the vertex before it, or the only graph input
      GYRE_CHECK(!config.vertices.empty() || config.inputs.size() == 1, InvalidArgumentError,
                 "vertex '", vertex.name, "' needs 'inputs': the graph has several inputs");
      vertex.inputs.push_back(config.vertices.empty() ? config.inputs[0].name
                                                      : config.vertices.back().name);
    }
    check_layer(vertex, static_cast<int>(config.vertices.size()), false);
    config.vertices.push_back(std::move(vertex));
  }
  if (!json.contains("outputs")) {
    config.outputs.push_back({config.vertices.back().name, 1.0f});
    return;
  }
  GYRE_CHECK(json["outputs"].is_array() && !json["outputs"].empty(), InvalidArgumentError,
             "network config: 'outputs' must be a non-empty array of vertex names or "
             "{\"vertex\", \"weight\"}");
  for (const auto& output : json["outputs"]) {
    if (output.is_string()) {
      config.outputs.push_back({output.get<std::string>(), 1.0f});
      continue;
    }
    GYRE_CHECK(output.is_object(), InvalidArgumentError,
               "network config: an output must be a vertex name or {\"vertex\", \"weight\"}, got ",
               output.dump());
    GraphOutput entry{text_field(output, "vertex", "an output"), 1.0f};
    if (output.contains("weight")) {
      GYRE_CHECK(output["weight"].is_number() && std::abs(output["weight"].get<double>()) < 1e30,
                 InvalidArgumentError, "output '", entry.vertex,
                 "': 'weight' must be a finite number, got ", output["weight"].dump());
      entry.weight = output["weight"].get<float>();
    }
    for (const auto& item : output.items())
      GYRE_CHECK(item.key() == "vertex" || item.key() == "weight", InvalidArgumentError, "output '",
                 entry.vertex, "': unknown key '", item.key(),
                 "'; an output takes 'vertex' and 'weight'");
    config.outputs.push_back(entry);
  }
}

}  // namespace

bool NetworkConfig::sequential() const {
  if (vertices.empty() || inputs.size() != 1 || inputs[0].name != "input" || outputs.size() != 1 ||
      outputs[0].vertex != vertices.back().name || outputs[0].weight != 1.0f)
    return false;
  for (std::size_t i = 0; i < vertices.size(); ++i) {
    const std::string previous = i == 0 ? std::string("input") : std::to_string(i - 1);
    if (vertices[i].name != std::to_string(i) || vertices[i].inputs.size() != 1 ||
        vertices[i].inputs[0] != previous)
      return false;
  }
  return true;
}

const Shape& NetworkConfig::input_shape() const {
  GYRE_CHECK(inputs.size() == 1, InvalidArgumentError, "this network has ", inputs.size(),
             " inputs; give each of them (a MultiDataSet, or output() of several tensors)");
  return inputs[0].shape;
}

nlohmann::json NetworkConfig::to_json() const {
  nlohmann::json json = {{"seed", seed},
                         {"updater", updater.to_json()},
                         {"training_workspace_mode", name_of(training_mode)},
                         {"inference_workspace_mode", name_of(inference_mode)},
                         {"prefetch", prefetch}};
  if (sequential()) {
    json["input"] = dims_of(inputs[0].shape);
    nlohmann::json layers = nlohmann::json::array();
    for (const VertexConfig& vertex : vertices) layers.push_back(vertex.layer);
    json["layers"] = layers;
    return json;
  }
  nlohmann::json graph_inputs = nlohmann::json::array(), graph_vertices = nlohmann::json::array(),
                 graph_outputs = nlohmann::json::array();
  for (const GraphInput& input : inputs)
    graph_inputs.push_back({{"name", input.name}, {"shape", dims_of(input.shape)}});
  for (const VertexConfig& vertex : vertices) {
    GYRE_CHECK(vertex.layer.is_object(), InvalidArgumentError, "vertex '", vertex.name,
               "': its layer must be a JSON object {\"type\": ...}, got ", vertex.layer.dump());
    nlohmann::json item = vertex.layer;
    item["name"] = vertex.name;
    item["inputs"] = vertex.inputs;
    graph_vertices.push_back(item);
  }
  for (const GraphOutput& output : outputs)
    graph_outputs.push_back({{"vertex", output.vertex}, {"weight", output.weight}});
  json["inputs"] = graph_inputs;
  json["vertices"] = graph_vertices;
  json["outputs"] = graph_outputs;
  return json;
}

NetworkConfig NetworkConfig::from_json(const nlohmann::json& json) {
  GYRE_CHECK(json.is_object(), InvalidArgumentError, "a network config must be a JSON object");
  NetworkConfig config;
  const bool graph = json.contains("inputs") || json.contains("vertices");
  GYRE_CHECK(graph != (json.contains("input") || json.contains("layers")), InvalidArgumentError,
             "network config: give either a sequential network ('input' and 'layers') or a "
             "graph ('inputs', 'vertices' and 'outputs'), not both or neither");
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
  if (graph) {
    GYRE_CHECK(json.contains("inputs"), InvalidArgumentError,
               "network config: a graph needs 'inputs'");
    read_graph(json, config);
  } else {
    GYRE_CHECK(json.contains("input"), InvalidArgumentError,
               "network config: 'input' must be the shape of one example, e.g. [784] or [1, 28, "
               "28]");
    read_sequential(json, config);
  }
  (void)GraphTopology::of(config);  // names, cycles and outputs, checked where a file is named
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
  return graph_input("input", example);
}
NetworkBuilder& NetworkBuilder::dense(std::int64_t units, const std::string& activation) {
  return layer({{"type", "dense"}, {"units", units}, {"activation", activation}});
}
NetworkBuilder& NetworkBuilder::conv2d(std::int64_t channels, std::int64_t kernel,
                                       std::int64_t stride, std::int64_t padding,
                                       const std::string& activation) {
  return layer({{"type", "conv2d"},
                {"channels", channels},
                {"kernel", kernel},
                {"stride", stride},
                {"padding", padding},
                {"activation", activation}});
}
NetworkBuilder& NetworkBuilder::max_pool(std::int64_t kernel, std::int64_t stride) {
  return layer({{"type", "maxpool"}, {"kernel", kernel}, {"stride", stride}});
}
NetworkBuilder& NetworkBuilder::avg_pool(std::int64_t kernel, std::int64_t stride) {
  return layer({{"type", "avgpool"}, {"kernel", kernel}, {"stride", stride}});
}
NetworkBuilder& NetworkBuilder::batch_norm(float momentum, float epsilon) {
  return layer({{"type", "batchnorm"}, {"momentum", momentum}, {"epsilon", epsilon}});
}
NetworkBuilder& NetworkBuilder::dropout(float probability) {
  return layer({{"type", "dropout"}, {"probability", probability}});
}
NetworkBuilder& NetworkBuilder::activation(const std::string& name) {
  return layer({{"type", "activation"}, {"activation", name}});
}
NetworkBuilder& NetworkBuilder::output(std::int64_t units, const std::string& loss) {
  return layer({{"type", "output"}, {"units", units}, {"loss", loss}});
}
NetworkBuilder& NetworkBuilder::layer(const nlohmann::json& config) {
  const std::size_t index = config_.vertices.size();
  const std::string previous = index > 0                ? config_.vertices.back().name
                               : config_.inputs.empty() ? std::string("input")
                                                        : config_.inputs.back().name;
  return vertex(std::to_string(index), config, {previous});
}
NetworkBuilder& NetworkBuilder::graph_input(const std::string& name, const Shape& example) {
  config_.inputs.push_back({name, example});
  return *this;
}
NetworkBuilder& NetworkBuilder::vertex(const std::string& name, const nlohmann::json& layer,
                                       const std::vector<std::string>& inputs) {
  config_.vertices.push_back({name, inputs, layer});
  return *this;
}
NetworkBuilder& NetworkBuilder::graph_outputs(const std::vector<GraphOutput>& outputs) {
  config_.outputs = outputs;
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
  NetworkConfig config = config_;
  if (config.outputs.empty() && !config.vertices.empty())
    config.outputs.push_back({config.vertices.back().name, 1.0f});
  return NetworkConfig::from_json(config.to_json());
}

}  // namespace gyre::nn
