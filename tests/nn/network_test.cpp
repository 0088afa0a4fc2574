#include "nn/network.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>

#include "kernels/ops.h"
#include "nn/async_iterator.h"
#include "nn/fashion_mnist.h"
#include "nn/in_memory_iterator.h"
#include "nn/listeners.h"
#include "runtime/detached_memory.h"
#include "runtime/error.h"
#include "tests/nn/gradient_check.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/kernel_testing.h"
#include "workspace/workspace_manager.h"

using namespace gyre;
using namespace gyre::nn;
using Catch::Matchers::Contains;

namespace {
DataSet random_batch(const Shape& features, std::int64_t classes, std::uint32_t seed) {
  DataSet batch{testing::random_tensor(features, seed, 0.0f, 1.0f),
                Tensor::empty_detached({features.dim(0), classes})};
  for (std::int64_t r = 0; r < features.dim(0); ++r) {
    for (std::int64_t c = 0; c < classes; ++c)
      batch.labels.data<float>()[r * classes + c] = (r * 3 + seed) % classes == c;
  }
  return batch;
}

// Every layer type, small enough for a finite-difference check of every parameter.
NetworkConfig small_cnn(WorkspaceMode mode) {
  return NetworkBuilder()
      .input({1, 6, 6})
      .conv2d(3, 3, 1, 1, "tanh")
      .max_pool(2, 2)
      .batch_norm()
      .dense(5, "sigmoid")
      .dropout(0.3f)
      .activation("elu")
      .output(4, "mcxent")
      .workspace_modes(mode, mode)
      .seed(5)
      .build();
}
}  // namespace

TEST_CASE("every parameter gradient of a network agrees with finite differences",
          "[nn][gradient]") {
  for (WorkspaceMode mode : {WorkspaceMode::NONE, WorkspaceMode::SEPARATE}) {
    INFO("mode " << name_of(mode));
    Network network(small_cnn(mode));
    const DataSet batch = random_batch({3, 1, 6, 6}, 4, 1);
    testing::check_parameter_gradients(
        network, [&] { return network.compute_gradients(batch); }, 5e-2, 2e-3);
  }
}

TEST_CASE("NONE, SINGLE and SEPARATE train to bitwise-identical parameters", "[nn][workspaces]") {
  const NetworkConfig base = NetworkBuilder()
                                 .input({20})
                                 .dense(16)
                                 .dropout(0.2f)
                                 .dense(12, "tanh")
                                 .output(3)
                                 .seed(9)
                                 .build();
  std::vector<std::vector<double>> results;
  for (WorkspaceMode mode : {WorkspaceMode::NONE, WorkspaceMode::SINGLE, WorkspaceMode::SEPARATE}) {
    NetworkConfig config = base;
    config.training_mode = config.inference_mode = mode;
    Network network(config);
    for (std::uint32_t i = 0; i < 15; ++i) network.fit(random_batch({8, 20}, 3, i));
    results.push_back(testing::values_of(network.parameters()));
    const Tensor out = network.output(random_batch({4, 20}, 3, 99).features);
    results.push_back(testing::values_of(out));
  }
  CHECK(results[0] == results[2]);
  CHECK(results[0] == results[4]);
  CHECK(results[1] == results[3]);
  CHECK(results[1] == results[5]);
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("after the first iteration, SINGLE and SEPARATE allocate nothing per iteration",
          "[nn][workspaces][steady-state]") {
  const LabelledData data{testing::random_tensor({256, 1, 8, 8}, 3, 0.0f, 1.0f),
                          random_batch({256, 4}, 4, 4).labels};
  for (WorkspaceMode mode : {WorkspaceMode::SINGLE, WorkspaceMode::SEPARATE}) {
    INFO("mode " << name_of(mode));
    WorkspaceManager::destroy_all_for_current_thread();
    NetworkConfig config = NetworkBuilder()
                               .input({1, 8, 8})
                               .conv2d(4, 3)
                               .max_pool()
                               .batch_norm()
                               .dense(16)
                               .dropout(0.1f)
                               .output(4)
                               .workspace_modes(mode, mode)
                               .build();
    Network network(config);
    InMemoryIterator iterator(data.features, data.labels, 32, true, 1);
    Evaluation evaluation(4);
    network.fit(iterator, 1);  // the first epoch learns every workspace's size
    network.evaluate(iterator, {&evaluation});
    auto resource_calls = [] {
      std::uint64_t calls = 0;
      for (const WorkspaceStatistics& workspace : WorkspaceManager::current().statistics()) {
        calls += workspace.arenas[0].spill_count + workspace.arenas[0].resize_count;
      }
      return calls + detached_resource(Device::cpu()).statistics().misses;
    };
    const std::uint64_t calls_before = resource_calls();
    const std::vector<Evaluator*> evaluators = {&evaluation};
    REQUIRE(network.prefetcher() != nullptr);  // fit() read the data through its prefetcher
    const AsyncIteratorStatistics prefetch_before = network.prefetcher()->statistics();
    testing::ProcessAllocationCounter counter;  // the prefetch thread's allocations count too
    network.fit(iterator, 2);
    network.evaluate(iterator, evaluators);
    CHECK(counter.count() == 0);
    CHECK(resource_calls() == calls_before);
    const AsyncIteratorStatistics prefetch_after = network.prefetcher()->statistics();
    CHECK(prefetch_after.ring_growths == prefetch_before.ring_growths);
    CHECK(prefetch_after.ring_bytes == prefetch_before.ring_bytes);
    CHECK(prefetch_after.batches == prefetch_before.batches + 2 * 8);
  }
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("bad network configs are refused with the field that is wrong", "[nn][config]") {
  auto refused = [](const char* text, const char* words) {
    CHECK_THROWS_WITH(Network(NetworkConfig::from_json(nlohmann::json::parse(text))),
                      Contains(words));
  };
  refused(R"({"input": [4], "layers": [{"type": "dense", "units": 3}]})",
          "last layer must be an 'output'");
  refused(R"({"input": [4], "layers": [{"type": "wobble"}, {"type": "output", "units": 2}]})",
          "unknown type 'wobble'");
  refused(R"({"input": [4], "layers": [{"type": "dense"}, {"type": "output", "units": 2}]})",
          "needs 'units'");
  refused(
      R"({"input": [4], "layers": [{"type": "dense", "units": "many"}, {"type": "output", "units": 2}]})",
      "'units' must be an integer");
  refused(
      R"({"input": [4], "layers": [{"type": "conv2d", "channels": 2, "kernel": 3}, {"type": "output", "units": 2}]})",
      "[channels, height, width]");
  refused(
      R"({"input": [4], "updater": {"type": "adagrad"}, "layers": [{"type": "output", "units": 2}]})",
      "unknown updater 'adagrad'");
  refused(
      R"({"input": [4], "layers": [{"type": "dense", "units": 3, "activation": "swish"}, {"type": "output", "units": 2}]})",
      "unknown activation 'swish'");
  CHECK_THROWS_WITH(NetworkConfig::from_json(nlohmann::json::parse(R"({"layers": []})")),
                    Contains("'input'"));
  CHECK_THROWS_WITH(NetworkConfig::from_file("/nonexistent.json"), Contains("cannot read"));
}

TEST_CASE("listeners report the score every N iterations and the throughput", "[nn][listeners]") {
  Network network(NetworkBuilder().input({8}).dense(6).output(2).build());
  ScoreListener score(3);
  ThroughputListener throughput(2);
  network.add_listener(&score);
  network.add_listener(&throughput);
  for (std::uint32_t i = 0; i < 7; ++i) network.fit(random_batch({16, 8}, 2, i));
  CHECK(score.reports() == 2);  // iterations 3 and 6
  CHECK(score.last_score() > 0.0);
  CHECK(throughput.samples_per_second() > 0.0);
  CHECK(throughput.iterations_per_second() > 0.0);
  CHECK_THROWS_AS(ScoreListener(0), InvalidArgumentError);
}

// Batch norm's running statistics are state, not trained parameters: an optimizer's weight
// decay must not shrink them (AdamW's would, by lr · decay every step).
TEST_CASE("weight decay leaves batch norm's running statistics alone", "[nn]") {
  UpdaterConfig adamw;
  adamw.type = "adamw";
  adamw.learning_rate = 0.1f;
  adamw.weight_decay = 0.5f;
  const float momentum = 0.25f;
  Network network(
      NetworkBuilder().input({6}).batch_norm(momentum).dense(4).output(3).updater(adamw).build());
  const Tensor features = testing::random_tensor({16, 6}, 21, 1.0f, 3.0f);
  Tensor labels = Tensor::empty_detached({16, 3}, DType::f32, Device::cpu());
  for (int r = 0; r < 16; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c ? 1.0f : 0.0f;
  }
  network.fit(DataSet{features, labels});
  // What one training forward pass does to fresh statistics (mean 0, variance 1).
  kernels::BatchNormState expected;
  expected.gamma = testing::tensor_from({6}, std::vector<double>(6, 1.0));
  expected.beta = testing::tensor_from({6}, std::vector<double>(6, 0.0));
  expected.running_mean = testing::tensor_from({6}, std::vector<double>(6, 0.0));
  expected.running_variance = testing::tensor_from({6}, std::vector<double>(6, 1.0));
  expected.saved_mean = Tensor::empty_detached({6}, DType::f32, Device::cpu());
  expected.saved_inverse_std = Tensor::empty_detached({6}, DType::f32, Device::cpu());
  expected.momentum = momentum;
  expected.epsilon = 1e-5f;
  (void)kernels::batch_norm_forward(features, expected, true);
  std::map<std::string, Tensor> named;
  for (const auto& [name, tensor] : network.named_parameters()) named[name] = tensor;
  REQUIRE(named.count("0.mean") == 1);
  REQUIRE(named.count("0.var") == 1);
  testing::require_close(named["0.mean"], testing::values_of(expected.running_mean), 1e-6, 1e-7);
  testing::require_close(named["0.var"], testing::values_of(expected.running_variance), 1e-6, 1e-7);
}

TEST_CASE("clone_to copies config, parameters and state, and the clone trains on its own",
          "[nn][clone]") {
  Network original(small_cnn(WorkspaceMode::SINGLE));
  for (std::uint32_t step = 0; step < 3; ++step)
    original.fit(random_batch({4, 1, 6, 6}, 4, step));  // moves batch norm's statistics too
  const std::unique_ptr<Network> clone = original.clone_to(Device::cpu());
  CHECK(clone->config().to_json() == original.config().to_json());
  CHECK(clone->iteration() == original.iteration());
  const std::vector<double> parameters = testing::values_of(original.parameters());
  const std::vector<double> state = testing::values_of(original.state());
  REQUIRE_FALSE(state.empty());
  CHECK(testing::values_of(clone->parameters()) == parameters);
  CHECK(testing::values_of(clone->state()) == state);
  CHECK(testing::values_of(clone->updater_state()) == testing::values_of(original.updater_state()));
  // The same next step gives the same parameters: the clone is where the original was.
  const DataSet batch = random_batch({4, 1, 6, 6}, 4, 7);
  clone->fit(batch);
  CHECK(testing::values_of(clone->parameters()) != parameters);
  CHECK(testing::values_of(original.parameters()) == parameters);  // independent buffers
  CHECK(testing::values_of(original.state()) == state);
  original.fit(batch);
  CHECK(testing::values_of(original.parameters()) == testing::values_of(clone->parameters()));
  WorkspaceManager::destroy_all_for_current_thread();
}
