// Graph networks: configs (JSON both ways, the errors of a bad graph), every vertex under a
// finite-difference check, a chain written as a graph equal to the sequential network, the
// three workspace modes bit for bit, liveness (what a pass keeps, and nothing allocated in
// the steady state), model files.
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "nn/model_file.h"
#include "nn/network.h"
#include "runtime/detached_memory.h"
#include "runtime/error.h"
#include "tests/nn/gradient_check.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/error_message.h"
#include "tests/support/kernel_testing.h"
#include "workspace/workspace_manager.h"

using namespace gyre;
using namespace gyre::nn;
using Catch::Matchers::Contains;

namespace {

nlohmann::json dense(std::int64_t units, const char* activation) {
  return {{"type", "dense"}, {"units", units}, {"activation", activation}};
}

// Every vertex type, two inputs (one reshaped), values read by several vertices (their
// gradients summed), a graph input added directly, and two weighted outputs.
NetworkConfig every_vertex(WorkspaceMode mode) {
  return NetworkBuilder()
      .graph_input("a", {6})
      .graph_input("b", {2, 3})
      .vertex("fa", dense(6, "tanh"), {"a"})
      .vertex("bflat", {{"type", "flatten"}}, {"b"})
      .vertex("fb", dense(6, "sigmoid"), {"bflat"})
      .vertex("sum", {{"type", "add"}}, {"fa", "fb"})
      .vertex("prod", {{"type", "multiply"}}, {"sum", "fb"})
      .vertex("res", {{"type", "add"}}, {"a", "fa"})
      .vertex("cat", {{"type", "merge"}}, {"prod", "res"})
      .vertex("part", {{"type", "subset"}, {"from", 2}, {"to", 9}}, {"cat"})
      .vertex("shaped", {{"type", "reshape"}, {"shape", {2, 4}}}, {"part"})
      .vertex("out1", {{"type", "output"}, {"units", 3}, {"loss", "mcxent"}}, {"shaped"})
      .vertex("h2", dense(4, "elu"), {"cat"})
      .vertex("out2", {{"type", "output"}, {"units", 2}, {"loss", "mse"}}, {"h2"})
      .graph_outputs({{"out1", 1.0f}, {"out2", 0.5f}})
      .workspace_modes(mode, mode)
      .seed(3)
      .build();
}

MultiDataSet every_vertex_batch(std::int64_t n, std::uint32_t seed) {
  MultiDataSet batch;
  batch.features = {testing::random_tensor({n, 6}, seed),
                    testing::random_tensor({n, 2, 3}, seed + 1)};
  Tensor classes = Tensor::empty_detached({n, 3});
  for (std::int64_t r = 0; r < n; ++r)
    for (std::int64_t c = 0; c < 3; ++c) classes.data<float>()[r * 3 + c] = (r + seed) % 3 == c;
  batch.labels = {classes, testing::random_tensor({n, 2}, seed + 2)};
  return batch;
}

// A residual MLP: `blocks` of x + dense(x), the last feeding the output.
NetworkConfig residual_mlp(int blocks, std::int64_t width, WorkspaceMode mode) {
  NetworkBuilder builder;
  builder.graph_input("x", {width});
  std::string previous = "x";
  for (int b = 0; b < blocks; ++b) {
    const std::string h = "h" + std::to_string(b), r = "r" + std::to_string(b);
    builder.vertex(h, dense(width, "relu"), {previous});
    builder.vertex(r, {{"type", "add"}}, {previous, h});
    previous = r;
  }
  builder.vertex("out", {{"type", "output"}, {"units", 10}}, {previous});
  return builder.workspace_modes(mode, mode).build();
}

}  // namespace

TEST_CASE("graph configs read and write JSON; a chain keeps the sequential form", "[nn][graph]") {
  const NetworkConfig graph = every_vertex(WorkspaceMode::SEPARATE);
  CHECK_FALSE(graph.sequential());
  const nlohmann::json json = graph.to_json();
  CHECK(json.contains("vertices"));
  CHECK_FALSE(json.contains("layers"));
  CHECK(NetworkConfig::from_json(json).to_json() == json);
  CHECK(json["outputs"][1]["weight"] == 0.5);

  const NetworkConfig chain = NetworkBuilder().input({4}).dense(3).output(2).build();
  CHECK(chain.sequential());
  CHECK(chain.to_json().contains("layers"));
  // The same chain written as a graph is read as the sequential network.
  const nlohmann::json written = nlohmann::json::parse(R"({
      "inputs": [{"name": "input", "shape": [4]}],
      "vertices": [{"name": "0", "type": "dense", "units": 3, "activation": "relu"},
                   {"name": "1", "inputs": ["0"], "type": "output", "units": 2, "loss": "mcxent"}]})");
  CHECK(NetworkConfig::from_json(written).to_json() == chain.to_json());
}

TEST_CASE("a bad graph is refused with the vertices and names involved", "[nn][graph]") {
  auto refused = [](const char* vertices, const char* words, const char* outputs = R"(["out"])") {
    const std::string text =
        std::string(R"({"inputs": [{"name": "x", "shape": [4]}], "vertices": )") + vertices +
        R"(, "outputs": )" + outputs + "}";
    CHECK_THAT(testing::message_of(
                   [&] { Network network(NetworkConfig::from_json(nlohmann::json::parse(text))); }),
               Contains(words));
  };
  refused(R"([{"name": "h", "inputs": ["y"], "type": "dense", "units": 3},
              {"name": "out", "inputs": ["h"], "type": "output", "units": 2}])",
          "vertex 'h' reads 'y', which is neither a graph input nor a vertex");
  refused(R"([{"name": "a", "inputs": ["b"], "type": "dense", "units": 3},
              {"name": "b", "inputs": ["a"], "type": "dense", "units": 3},
              {"name": "out", "inputs": ["b"], "type": "output", "units": 2}])",
          "the vertices 'a', 'b', 'out' read each other in a cycle");
  refused(R"([{"name": "x", "inputs": ["x"], "type": "dense", "units": 3},
              {"name": "out", "inputs": ["x"], "type": "output", "units": 2}])",
          "the name 'x' is given twice");
  refused(R"([{"name": "h", "inputs": ["x"], "type": "dense", "units": 3},
              {"name": "dead", "inputs": ["x"], "type": "dense", "units": 3},
              {"name": "out", "inputs": ["h"], "type": "output", "units": 2}])",
          "vertex 'dead' leads to no output");
  refused(R"([{"name": "out", "inputs": ["x"], "type": "dense", "units": 2}])",
          "output 'out' must be an 'output' or 'rnn_output' layer");
  refused(R"([{"name": "out", "inputs": ["x"], "type": "output", "units": 4},
              {"name": "out2", "inputs": ["out"], "type": "output", "units": 2}])",
          "output 'out' is read by vertex 'out2'", R"(["out", "out2"])");
  refused(R"([{"name": "h", "inputs": ["x"], "type": "dense", "units": 3},
              {"name": "s", "inputs": ["x", "h"], "type": "add"},
              {"name": "out", "inputs": ["s"], "type": "output", "units": 2}])",
          "vertex 's': an 'add' vertex needs inputs of one shape");
  refused(R"([{"name": "h", "inputs": ["x", "x"], "type": "dense", "units": 3},
              {"name": "out", "inputs": ["h"], "type": "output", "units": 2}])",
          "vertex 'h': a 'dense' takes 1 input(s), given 2");
  refused(R"([{"name": "h", "inputs": ["x"], "type": "dense", "units": 3, "unitz": 4},
              {"name": "out", "inputs": ["h"], "type": "output", "units": 2}])",
          "vertex 'h': layer 0: unknown key 'unitz'");
  refused(R"([{"name": "out", "inputs": ["x"], "type": "output", "units": 2}])",
          "has loss weight -1", R"([{"vertex": "out", "weight": -1}])");
  // Several inputs: a vertex must say which it reads; every input must be read.
  CHECK_THAT(testing::message_of([] {
               (void)NetworkConfig::from_json(nlohmann::json::parse(R"({
                   "inputs": [{"name": "a", "shape": [2]}, {"name": "b", "shape": [2]}],
                   "vertices": [{"name": "out", "type": "output", "units": 2}]})"));
             }),
             Contains("vertex 'out' needs 'inputs': the graph has several inputs"));
  CHECK_THAT(testing::message_of([] {
               (void)NetworkConfig::from_json(nlohmann::json::parse(R"({
                   "inputs": [{"name": "a", "shape": [2]}, {"name": "b", "shape": [2]}],
                   "vertices": [{"name": "out", "inputs": ["a"], "type": "output", "units": 2}]})"));
             }),
             Contains("graph input 'b' leads to no output"));
}

TEST_CASE("a graph keeping more values alive than the pools hold is refused when built",
          "[nn][graph]") {
  NetworkBuilder builder;
  builder.graph_input("x", {4});
  std::vector<std::string> branches;
  for (int b = 0; b < 17; ++b) {
    branches.push_back("b" + std::to_string(b));
    builder.vertex(branches.back(), dense(2, "tanh"), {"x"});
  }
  builder.vertex("cat", {{"type", "merge"}}, branches);
  builder.vertex("out", {{"type", "output"}, {"units", 2}}, {"cat"});
  CHECK_THAT(testing::message_of([&] { Network network(builder.build()); }),
             Contains("keeps up to 18 values alive at once in inference"));
  CHECK_THAT(testing::message_of([] {
               (void)NetworkConfig::from_json(nlohmann::json::parse(R"({
                   "inputs": [{"name": "x", "shape": [2]}],
                   "vertices": [{"name": "out", "type": "output", "units": 2}],
                   "outputs": [{"vertex": "out", "weight": 1e39}]})"));
             }),
             Contains("'weight' must be a finite number"));
  NetworkConfig typed = NetworkBuilder().input({2}).output(2).build();
  typed.vertices[0].layer["type"] = 5;
  CHECK_THROWS_AS(Network(typed), InvalidArgumentError);  // not a JSON library error
}

TEST_CASE("every parameter gradient of a graph agrees with finite differences",
          "[nn][graph][gradient]") {
  for (WorkspaceMode mode : {WorkspaceMode::NONE, WorkspaceMode::SINGLE, WorkspaceMode::SEPARATE}) {
    INFO("mode " << name_of(mode));
    Network network(every_vertex(mode));
    const MultiDataSet batch = every_vertex_batch(5, 7);
    testing::check_parameter_gradients(
        network, [&] { return network.compute_gradients(batch); }, 5e-2, 2e-3);
  }
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE(
    "a chain written as a graph with its own names trains bit for bit like the sequential one",
    "[nn][graph]") {
  const NetworkConfig sequential = NetworkBuilder()
                                       .input({8})
                                       .dense(6)
                                       .dropout(0.25f)
                                       .dense(5, "tanh")
                                       .output(3)
                                       .seed(4)
                                       .build();
  const NetworkConfig graph =
      NetworkBuilder()
          .graph_input("pixels", {8})
          .vertex("hidden", dense(6, "relu"), {"pixels"})
          .vertex("drop", {{"type", "dropout"}, {"probability", 0.25}}, {"hidden"})
          .vertex("second", dense(5, "tanh"), {"drop"})
          .vertex("classes", {{"type", "output"}, {"units", 3}}, {"second"})
          .seed(4)
          .build();
  Network a(sequential), b(graph);
  CHECK(b.named_parameters()[0].first == "hidden.W");
  for (std::uint32_t i = 0; i < 6; ++i) {
    const MultiDataSet batch = [&] {
      MultiDataSet made = every_vertex_batch(4, i);
      made.features = {testing::random_tensor({4, 8}, 20 + i)};
      made.labels = {made.labels[0]};
      return made;
    }();
    a.fit(DataSet{batch.features[0], batch.labels[0]});
    b.fit(batch);
  }
  CHECK(testing::values_of(a.parameters()) == testing::values_of(b.parameters()));
  const Tensor x = testing::random_tensor({3, 8}, 99);
  CHECK(testing::values_of(a.output(x)) == testing::values_of(b.output(x)));
}

TEST_CASE("NONE, SINGLE and SEPARATE train a graph to bitwise-identical parameters and outputs",
          "[nn][graph][workspaces]") {
  std::vector<std::vector<double>> results[3];
  const WorkspaceMode modes[3] = {WorkspaceMode::NONE, WorkspaceMode::SINGLE,
                                  WorkspaceMode::SEPARATE};
  for (int m = 0; m < 3; ++m) {
    Network network(every_vertex(modes[m]));
    for (std::uint32_t i = 0; i < 8; ++i) network.fit(every_vertex_batch(6, i));
    results[m].push_back(testing::values_of(network.parameters()));
    for (const Tensor& output : network.output(every_vertex_batch(4, 50).features))
      results[m].push_back(testing::values_of(output));
    CHECK(results[m].size() == 3);
  }
  CHECK(results[0] == results[1]);
  CHECK(results[0] == results[2]);
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("the summed loss weighs each output", "[nn][graph]") {
  NetworkConfig config = every_vertex(WorkspaceMode::SEPARATE);
  const MultiDataSet batch = every_vertex_batch(5, 3);
  config.outputs = {{"out1", 1.0f}, {"out2", 1.0f}};
  Network ones(config);
  const double both = ones.compute_gradients(batch);
  config.outputs = {{"out1", 1.0f}, {"out2", 3.0f}};
  Network tripled(config);
  const double weighted = tripled.compute_gradients(batch);
  // Same seed, same parameters: the difference is twice the second output's loss.
  config.outputs = {{"out1", 2.0f}, {"out2", 3.0f}};
  Network doubled(config);
  const double both_weighted = doubled.compute_gradients(batch);
  const double second = (weighted - both) / 2.0, first = both_weighted - weighted;
  CHECK(second > 0.0);
  CHECK(first > 0.0);
  CHECK(both == Approx(first + second).epsilon(1e-5));
}

TEST_CASE("a graph's batch must match its inputs and outputs", "[nn][graph]") {
  Network network(every_vertex(WorkspaceMode::SEPARATE));
  MultiDataSet batch = every_vertex_batch(4, 1);
  CHECK_THAT(testing::message_of([&] {
               network.fit(DataSet{batch.features[0], batch.labels[0]});
             }),
             Contains("the batch has 1 features and 1 labels tensors; this network has 2 inputs "
                      "and 2 outputs"));
  CHECK_THAT(testing::message_of([&] { (void)network.output(batch.features[0]); }),
             Contains("call output() with one tensor per input"));
  batch.features[1] = testing::random_tensor({3, 2, 3}, 1);
  CHECK_THAT(testing::message_of([&] { network.fit(batch); }),
             Contains("features of 'b' [3, 2, 3]"));
  // A wrong example shape is refused even where add or multiply could broadcast it.
  batch = every_vertex_batch(4, 1);
  batch.features[0] = testing::random_tensor({4, 1}, 2);
  CHECK_THAT(testing::message_of([&] { network.fit(batch); }), Contains("features of 'a' [4, 1]"));
  CHECK_THAT(testing::message_of([&] { (void)network.output(batch.features); }),
             Contains("do not hold examples of [6]"));
  batch = every_vertex_batch(4, 1);
  network.fit(batch);  // the failures left nothing behind
  CHECK(std::isfinite(network.score()));
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE(
    "a residual graph under SEPARATE holds three inference workspaces and at most half of "
    "SINGLE's training memory; the steady state allocates nothing",
    "[nn][graph][workspaces][memory]") {
  const Tensor x = testing::random_tensor({128, 256}, 5, 0.0f, 1.0f);
  Tensor labels = Tensor::empty_detached({128, 10});
  for (int r = 0; r < 128; ++r)
    for (int c = 0; c < 10; ++c) labels.data<float>()[r * 10 + c] = r % 10 == c;
  const DataSet batch{x, labels};
  std::size_t training[2] = {};
  const WorkspaceMode modes[2] = {WorkspaceMode::SINGLE, WorkspaceMode::SEPARATE};
  for (int m = 0; m < 2; ++m) {
    INFO("mode " << name_of(modes[m]));
    WorkspaceManager::destroy_all_for_current_thread();
    Network network(residual_mlp(12, 256, modes[m]));
    for (int i = 0; i < 2; ++i) network.fit(batch);
    (void)network.output(x);
    std::size_t inference_workspaces = 0;
    for (const WorkspaceStatistics& workspace : WorkspaceManager::current().statistics()) {
      if (workspace.id.rfind("WS_INFERENCE", 0) == 0) {
        ++inference_workspaces;
      } else {
        training[m] += workspace.reserved_bytes();
      }
    }
    // A residual block keeps its input while its branch runs: three values at most.
    CHECK(inference_workspaces == (modes[m] == WorkspaceMode::SEPARATE ? 3u : 1u));
    const std::uint64_t misses = detached_resource(Device::cpu()).statistics().misses;
    testing::HeapAllocationCounter counter;
    for (int i = 0; i < 3; ++i) network.fit(batch);
    CHECK(counter.count() == 0);
    CHECK(detached_resource(Device::cpu()).statistics().misses == misses);
  }
  WARN("residual graph training: SEPARATE / SINGLE = " << static_cast<double>(training[1]) /
                                                              static_cast<double>(training[0]));
  CHECK(static_cast<double>(training[1]) <= 0.5 * static_cast<double>(training[0]));
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("peak_slots bounds the workspaces a pass really uses", "[nn][graph][workspaces]") {
  // A value read twice by one vertex, gradients handed on as views (add), merges, residuals.
  const NetworkConfig squared = NetworkBuilder()
                                    .graph_input("x", {4})
                                    .vertex("a", dense(4, "tanh"), {"x"})
                                    .vertex("b", dense(4, "tanh"), {"a"})
                                    .vertex("sq", {{"type", "multiply"}}, {"b", "b"})
                                    .vertex("s", {{"type", "add"}}, {"sq", "a"})
                                    .vertex("t", {{"type", "add"}}, {"s", "s"})
                                    .vertex("out", {{"type", "output"}, {"units", 2}}, {"t"})
                                    .build();
  for (const NetworkConfig& config : {squared, every_vertex(WorkspaceMode::SEPARATE),
                                      residual_mlp(4, 8, WorkspaceMode::SEPARATE)}) {
    WorkspaceManager::destroy_all_for_current_thread();
    Network network(config);
    MultiDataSet batch;
    for (const GraphInput& input : config.inputs) {
      std::int64_t dims[Shape::kMaxRank] = {3};
      for (int d = 0; d < input.shape.rank(); ++d) dims[d + 1] = input.shape.dim(d);
      batch.features.push_back(testing::random_tensor(Shape(dims, input.shape.rank() + 1), 4));
    }
    for (int k : network.topology().outputs) {
      const auto units = network.layers()[static_cast<std::size_t>(k)]->config()["units"];
      batch.labels.push_back(testing::random_tensor({3, units.get<std::int64_t>()}, 5, 0.0f, 1.0f));
    }
    network.fit(batch);
    (void)network.output(batch.features);
    std::size_t gradient_slots = 0, inference_slots = 0;
    for (const WorkspaceStatistics& workspace : WorkspaceManager::current().statistics()) {
      gradient_slots += workspace.id.rfind("WS_LAYER_ACT_GRAD_", 0) == 0;
      inference_slots += workspace.id.rfind("WS_INFERENCE_ACT_", 0) == 0;
    }
    INFO(config.inputs.size() << " inputs, " << config.vertices.size() << " vertices");
    CHECK(gradient_slots <= static_cast<std::size_t>(network.topology().peak_slots(true)));
    CHECK(inference_slots <= static_cast<std::size_t>(network.topology().peak_slots(false)));
  }
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("a graph model file round-trips", "[nn][graph][model]") {
  Network network(every_vertex(WorkspaceMode::SEPARATE));
  for (std::uint32_t i = 0; i < 3; ++i) network.fit(every_vertex_batch(4, i));
  const std::string path = "graph_model_test.safetensors";
  save_model(network, path);
  const std::unique_ptr<Network> loaded = load_model(path);
  std::remove(path.c_str());
  CHECK(loaded->config().to_json() == network.config().to_json());
  CHECK(loaded->iteration() == 3);
  CHECK(testing::values_of(loaded->parameters()) == testing::values_of(network.parameters()));
  const std::vector<Tensor> inputs = every_vertex_batch(3, 40).features;
  const std::vector<Tensor> expected = network.output(inputs), actual = loaded->output(inputs);
  REQUIRE(actual.size() == 2);
  for (int o = 0; o < 2; ++o)
    CHECK(testing::values_of(actual[o]) == testing::values_of(expected[o]));
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("configs/resnet.json is a residual CNN that builds and trains", "[nn][graph]") {
  Network network(NetworkConfig::from_file(GYRE_SOURCE_DIR "/configs/resnet.json"));
  CHECK(network.config().inputs.size() == 1);
  CHECK(network.layers().size() == 24);
  Tensor labels = Tensor::empty_detached({4, 10});
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 10; ++c) labels.data<float>()[r * 10 + c] = r == c;
  const DataSet batch{testing::random_tensor({4, 1, 28, 28}, 3, 0.0f, 1.0f), labels};
  network.fit(batch);
  const double first = network.score();
  for (int i = 0; i < 5; ++i) network.fit(batch);
  CHECK(network.score() < first);  // it learns the batch
  CHECK(network.output(batch.features).shape() == Shape({4, 10}));
  WorkspaceManager::destroy_all_for_current_thread();
}
