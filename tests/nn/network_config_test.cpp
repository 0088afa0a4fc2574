// Network configs and the layer registry: every layer type's keys are checked, and the
// errors name what is wrong, where (the layer's index) and in which file.
#include "nn/network_config.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "nn/dense_layer.h"
#include "nn/layer_registry.h"
#include "nn/network.h"
#include "runtime/error.h"
#include "tests/support/error_message.h"

using namespace gyre;
using namespace gyre::nn;
using Catch::Matchers::Contains;

namespace {

// A config file holding `text`, removed when the test ends.
class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text)
      : path_(std::filesystem::temp_directory_path() /
              ("gyre-config-test-" + std::to_string(::getpid()) + ".json")) {
    std::ofstream(path_) << text;
  }
  ~ConfigFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_CASE("an unknown key in a layer's config is an error naming the key, layer and file",
          "[nn][config]") {
  const ConfigFile file(R"({"input": [4], "layers": [
      {"type": "dense", "units": 3},
      {"type": "dense", "units": 3, "activaton": "tanh"},
      {"type": "output", "units": 2}]})");
  const std::string message = testing::message_of<InvalidArgumentError>(
      [&] { (void)NetworkConfig::from_file(file.path()); });
  CHECK_THAT(message, Contains("'activaton'"));
  CHECK_THAT(message, Contains("layer 1"));
  CHECK_THAT(message, Contains(file.path()));
  CHECK_THAT(message, Contains("activation and units"));  // what the layer does take

  // From JSON alone, and when a network is built from a config made in code.
  const nlohmann::json layers = {{{"type", "maxpool"}, {"kernel", 2}, {"strides", 2}},
                                 {{"type", "output"}, {"units", 2}}};
  const nlohmann::json json = {{"input", {1, 4, 4}}, {"layers", layers}};
  CHECK_THAT(
      testing::message_of<InvalidArgumentError>([&] { (void)NetworkConfig::from_json(json); }),
      Contains("layer 0: unknown key 'strides'"));
  NetworkConfig config = NetworkBuilder().input({4}).dense(3).output(2).build();
  config.vertices[1].layer["lr"] = 0.1;
  CHECK_THAT(testing::message_of<InvalidArgumentError>([&] { Network network(config); }),
             Contains("layer 1: unknown key 'lr'"));
}

TEST_CASE("an unknown layer type is an error naming it, its index and the known types",
          "[nn][config]") {
  const ConfigFile file(R"({"input": [4], "layers": [
      {"type": "dense", "units": 3}, {"type": "transformer"}, {"type": "output", "units": 2}]})");
  const std::string message = testing::message_of<InvalidArgumentError>(
      [&] { (void)NetworkConfig::from_file(file.path()); });
  CHECK_THAT(message, Contains("layer 1: unknown type 'transformer'"));
  CHECK_THAT(message, Contains(file.path()));
  for (const char* known : {"activation", "add", "avgpool", "batchnorm", "conv2d", "dense",
                            "dropout", "last_time_step", "lstm", "maxpool", "merge", "output"})
    CHECK_THAT(message, Contains(known));
}

TEST_CASE("the registry builds every built-in layer type from its own config",
          "[nn][config][registry]") {
  LayerRegistry& registry = LayerRegistry::instance();
  for (const char* type :
       {"activation", "avgpool", "batchnorm", "conv2d", "dense", "dropout", "maxpool", "output"})
    CHECK(registry.contains(type));
  // Each layer's config() names only keys its type takes, so a network rebuilds from it.
  const Network network(NetworkBuilder()
                            .input({1, 6, 6})
                            .conv2d(2, 3, 1, 1, "tanh")
                            .max_pool()
                            .batch_norm()
                            .avg_pool(1, 1)
                            .dropout(0.2f)
                            .activation("relu")
                            .dense(4)
                            .output(3, "mse")
                            .build());
  // The graph vertices and recurrent layers too.
  const Network graph(
      NetworkBuilder()
          .graph_input("x", {5, 3})
          .vertex("l", {{"type", "lstm"}, {"units", 4}, {"bidirectional", true}}, {"x"})
          .vertex("last", {{"type", "last_time_step"}}, {"l"})
          .vertex("l2", {{"type", "lstm"}, {"units", 8}, {"return_sequences", false}}, {"x"})
          .vertex("s", {{"type", "add"}}, {"last", "l2"})
          .vertex("p", {{"type", "multiply"}}, {"s", "last"})
          .vertex("m", {{"type", "merge"}}, {"p", "s"})
          .vertex("sub", {{"type", "subset"}, {"from", 1}, {"to", 12}}, {"m"})
          .vertex("r", {{"type", "reshape"}, {"shape", {3, 4}}}, {"sub"})
          .vertex("f", {{"type", "flatten"}}, {"r"})
          .vertex("out", {{"type", "output"}, {"units", 2}}, {"f"})
          .build());
  for (const Network* built : {&network, &graph}) {
    for (std::size_t i = 0; i < built->layers().size(); ++i) {
      const nlohmann::json config = built->layers()[i]->config();
      INFO(config.dump());
      CHECK(registry.contains(config["type"].get<std::string>()));
      const std::unique_ptr<Layer> rebuilt = make_layer(config, static_cast<int>(i));
      CHECK(rebuilt->config() == config);
    }
  }
  CHECK_THROWS_WITH(registry.add("dense", {}, nullptr), Contains("registered already"));
}

TEST_CASE("a registered layer type is built by its factory from its keys",
          "[nn][config][registry]") {
  LayerRegistry& registry = LayerRegistry::instance();
  if (!registry.contains("test_wide")) {  // the registry is the process's
    registry.add("test_wide", {"width"}, [](const LayerSettings& settings) {
      return std::make_unique<DenseLayer>(settings.integer("width", 0, true),
                                          kernels::Activation::relu);
    });
  }
  const NetworkConfig config =
      NetworkBuilder().input({4}).layer({{"type", "test_wide"}, {"width", 5}}).output(2).build();
  const Network network(config);
  CHECK(network.parameter_count() == (4 * 5 + 5) + (5 * 2 + 2));
  CHECK_THAT(testing::message_of<InvalidArgumentError>([] {
               (void)NetworkBuilder().input({4}).layer({{"type", "test_wide"}}).output(2).build();
             }),
             Contains("needs 'width'"));
  CHECK_THAT(testing::message_of<InvalidArgumentError>([] {
               (void)NetworkBuilder()
                   .input({4})
                   .layer({{"type", "test_wide"}, {"width", 5}, {"height", 2}})
                   .output(2)
                   .build();
             }),
             Contains("unknown key 'height' for a 'test_wide' layer; it takes width"));
}
