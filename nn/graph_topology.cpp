#include "nn/graph_topology.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "runtime/error.h"

namespace gyre::nn {
namespace {

// The layer's "type", or "" when it has none a reader could use (the registry says why).
std::string type_of(const nlohmann::json& layer) {
  return layer.is_object() && layer.contains("type") && layer["type"].is_string()
             ? layer["type"].get<std::string>()
             : std::string();
}

// The layers with a loss, which end a graph.
bool is_output_type(const nlohmann::json& layer) {
  const std::string type = type_of(layer);
  return type == "output" || type == "rnn_output";
}

}  // namespace

int GraphTopology::peak_slots(bool backward) const {
  const int vertices = static_cast<int>(order.size());
  // A value holds its own slot and, for a gradient first placed by a vertex, the slot of
  // that vertex's gradient too (the value may be a view of it: add hands dy on).
  std::vector<int> remaining = readers, slot_of(readers.size(), -1), view_of(readers.size(), -1);
  std::vector<int> held;
  std::vector<bool> is_output(order.size(), false);
  for (int k : outputs) is_output[k] = true;
  int live = 0, peak = 0;
  auto unhold = [&](int slot) {
    if (slot >= 0 && --held[slot] == 0) --live;
  };
  auto drop = [&](int value) {
    unhold(slot_of[value]);
    unhold(view_of[value]);
    slot_of[value] = view_of[value] = -1;
  };
  for (int step = 0; step < vertices; ++step) {
    const int k = backward ? vertices - 1 - step : step;
    const int value = value_of(k);
    const int slot = static_cast<int>(held.size());
    held.push_back(1);  // held while the vertex runs
    peak = std::max(peak, ++live);
    if (backward) {
      for (int input : vertex_inputs[k]) {
        if (is_input(input)) continue;
        const bool first = slot_of[input] < 0;
        ++held[slot];
        if (!first) {
          drop(input);  // summed into `slot`
        } else if (!is_output[k] && slot_of[value] >= 0) {
          view_of[input] = slot_of[value];
          ++held[slot_of[value]];
        }
        slot_of[input] = slot;
      }
      if (!is_output[k]) drop(value);
    } else {
      slot_of[value] = slot;
      remaining[value] = readers[value] + (is_output[k] ? 1 : 0);
      ++held[slot];
      for (int input : vertex_inputs[k])
        if (--remaining[input] == 0) drop(input);
    }
    unhold(slot);  // the vertex is done: the slot stays only if a value is in it
  }
  return peak;
}

GraphTopology GraphTopology::of(const NetworkConfig& config) {
  const int inputs = static_cast<int>(config.inputs.size());
  const int vertices = static_cast<int>(config.vertices.size());
  GYRE_CHECK(inputs > 0 && vertices > 0, InvalidArgumentError,
             "a network needs at least one input and one vertex, got ", inputs, " and ", vertices);
  // Config ids: graph inputs 0..inputs-1, then vertices in config order.
  std::map<std::string, int> ids;
  auto name_id = [&](const std::string& name, int id, const char* what) {
    GYRE_CHECK(!name.empty(), InvalidArgumentError, "a ", what, " needs a non-empty name");
    GYRE_CHECK(ids.emplace(name, id).second, InvalidArgumentError, "the name '", name,
               "' is given twice; graph inputs and vertices need distinct names");
  };
  for (int i = 0; i < inputs; ++i) name_id(config.inputs[i].name, i, "graph input");
  for (int v = 0; v < vertices; ++v) name_id(config.vertices[v].name, inputs + v, "vertex");
  std::vector<std::vector<int>> reads(vertices);  // config ids each vertex reads
  std::vector<std::vector<int>> readers_of(inputs + vertices);
  for (int v = 0; v < vertices; ++v) {
    const VertexConfig& vertex = config.vertices[v];
    GYRE_CHECK(!vertex.inputs.empty(), InvalidArgumentError, "vertex '", vertex.name,
               "' reads no input");
    for (const std::string& input : vertex.inputs) {
      const auto found = ids.find(input);
      GYRE_CHECK(found != ids.end(), InvalidArgumentError, "vertex '", vertex.name, "' reads '",
                 input, "', which is neither a graph input nor a vertex");
      GYRE_CHECK(found->second != inputs + v, InvalidArgumentError, "vertex '", vertex.name,
                 "' reads itself");
      reads[v].push_back(found->second);
      readers_of[found->second].push_back(inputs + v);
    }
  }
  GraphTopology topology;
  const bool chain = config.sequential();
  // Outputs: "output" layers that nothing reads, each listed once.
  std::vector<bool> is_output(vertices, false);
  GYRE_CHECK(!config.outputs.empty(), InvalidArgumentError, "a network needs an output vertex");
  for (const GraphOutput& output : config.outputs) {
    const auto found = ids.find(output.vertex);
    GYRE_CHECK(found != ids.end() && found->second >= inputs, InvalidArgumentError, "output '",
               output.vertex, "' is not a vertex");
    const int v = found->second - inputs;
    const nlohmann::json& layer = config.vertices[v].layer;
    GYRE_CHECK(is_output_type(layer), InvalidArgumentError,
               chain ? "the last layer" : strcat("output '", output.vertex, "'"),
               " must be an 'output' or 'rnn_output' layer (with its loss), got ", layer.dump());
    GYRE_CHECK(readers_of[found->second].empty(), InvalidArgumentError, "output '", output.vertex,
               "' is read by vertex '", config.vertices[readers_of[found->second][0] - inputs].name,
               "'; an output layer ends the graph");
    GYRE_CHECK(!is_output[v], InvalidArgumentError, "output '", output.vertex, "' is listed twice");
    GYRE_CHECK(output.weight > 0.0f && std::isfinite(output.weight), InvalidArgumentError,
               "output '", output.vertex, "' has loss weight ", output.weight,
               "; weights must be positive and finite");
    is_output[v] = true;
  }
  for (int v = 0; v < vertices; ++v) {
    const nlohmann::json& layer = config.vertices[v].layer;
    GYRE_CHECK(is_output[v] || !is_output_type(layer), InvalidArgumentError,
               chain ? strcat("layer ", v, " is an output layer; only the last layer may be one")
                     : strcat("vertex '", config.vertices[v].name,
                              "' is an output layer but not a graph output; list it in 'outputs'"));
  }
  // Stable topological order: repeatedly the first vertex (in config order) whose inputs exist.
  std::vector<int> executed(inputs + vertices, -1);  // config id -> value id
  for (int i = 0; i < inputs; ++i) executed[i] = i;
  std::vector<bool> done(vertices, false);
  for (int step = 0; step < vertices; ++step) {
    int next = -1;
    for (int v = 0; v < vertices && next < 0; ++v) {
      if (done[v]) continue;
      bool ready = true;
      for (int read : reads[v]) ready = ready && executed[read] >= 0;
      if (ready) next = v;
    }
    if (next < 0) {
      std::string cycle;
      for (int v = 0; v < vertices; ++v)
        if (!done[v]) cycle += (cycle.empty() ? "'" : ", '") + config.vertices[v].name + "'";
      throw InvalidArgumentError(
          strcat("the vertices ", cycle, " read each other in a cycle; a network is acyclic"));
    }
    done[next] = true;
    executed[inputs + next] = inputs + step;
    topology.order.push_back(next);
    std::vector<int> values;
    for (int read : reads[next]) values.push_back(executed[read]);
    topology.vertex_inputs.push_back(std::move(values));
  }
  // Every vertex must lead to an output (else it would get no gradient), every input be read.
  std::vector<bool> useful(inputs + vertices, false);
  std::vector<int> pending;
  for (int v = 0; v < vertices; ++v)
    if (is_output[v]) pending.push_back(inputs + v);
  while (!pending.empty()) {
    const int id = pending.back();
    pending.pop_back();
    if (useful[id]) continue;
    useful[id] = true;
    if (id >= inputs)
      for (int read : reads[id - inputs]) pending.push_back(read);
  }
  for (int i = 0; i < inputs; ++i)
    GYRE_CHECK(useful[i], InvalidArgumentError, "graph input '", config.inputs[i].name,
               "' leads to no output; remove it or have a vertex read it");
  for (int v = 0; v < vertices; ++v)
    GYRE_CHECK(useful[inputs + v], InvalidArgumentError, "vertex '", config.vertices[v].name,
               "' leads to no output; remove it or have a vertex on the way to an output read it");
  topology.readers.assign(inputs + vertices, 0);
  for (const std::vector<int>& values : topology.vertex_inputs)
    for (int value : values) ++topology.readers[value];
  for (const GraphOutput& output : config.outputs)
    topology.outputs.push_back(executed[ids[output.vertex]] - inputs);
  return topology;
}

}  // namespace gyre::nn
