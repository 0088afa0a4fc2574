// Recurrent layers: finite differences through LSTMs (one and two directions, every step or
// the last) and last_time_step, with masks of different lengths; a padded, masked example
// equals the same example alone; variable-length batches allocate nothing once the longest
// has been seen.
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "kernels/ops.h"
#include "nn/evaluation.h"
#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "nn/sequence_iterator.h"
#include "runtime/detached_memory.h"
#include "runtime/error.h"
#include "tests/nn/gradient_check.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/one_batch_iterator.h"
#include "workspace/workspace_manager.h"

using namespace gyre;
using namespace gyre::nn;

namespace {

// Present steps first: lengths[n] ones, then zeros.
Tensor mask_of(const std::vector<std::int64_t>& lengths, std::int64_t steps) {
  const auto n = static_cast<std::int64_t>(lengths.size());
  Tensor mask = Tensor::empty_detached({n, steps});
  for (std::int64_t r = 0; r < n; ++r)
    for (std::int64_t t = 0; t < steps; ++t) mask.data<float>()[r * steps + t] = t < lengths[r];
  return mask;
}

Tensor one_hot(std::int64_t n, std::int64_t classes, std::uint32_t seed) {
  Tensor labels = Tensor::empty_detached({n, classes});
  for (std::int64_t r = 0; r < n; ++r)
    for (std::int64_t c = 0; c < classes; ++c)
      labels.data<float>()[r * classes + c] = (r + seed) % classes == c;
  return labels;
}

nlohmann::json recurrent(const std::string& type, std::int64_t units, bool bidirectional,
                         bool sequences) {
  return {{"type", type},
          {"units", units},
          {"bidirectional", bidirectional},
          {"return_sequences", sequences}};
}

// Two stacked recurrent layers of one type ("lstm" or "gru"): a bidirectional one over
// every step, then both ways to the end: its own last step, and last_time_step over a third,
// unidirectional one.
NetworkConfig stacked(WorkspaceMode mode, const std::string& type = "lstm") {
  return NetworkBuilder()
      .graph_input("x", {5, 3})
      .vertex("both", recurrent(type, 4, true, true), {"x"})
      .vertex("last", recurrent(type, 3, true, false), {"both"})
      .vertex("seq", recurrent(type, 3, false, true), {"both"})
      .vertex("pick", {{"type", "last_time_step"}}, {"seq"})
      .vertex("cat", {{"type", "merge"}}, {"last", "pick"})
      .vertex("out", {{"type", "output"}, {"units", 2}}, {"cat"})
      .workspace_modes(mode, mode)
      .seed(8)
      .build();
}

// An iterator of one batch (evaluate() is the inference call that takes a DataSet's masks).
using OneBatch = testing::OneBatchIterator<DataSetIterator>;

}  // namespace

TEST_CASE("every LSTM and GRU parameter gradient agrees with finite differences, masks included",
          "[nn][recurrent][gradient]") {
  for (const std::string type : {"lstm", "gru"}) {
    for (WorkspaceMode mode : {WorkspaceMode::NONE, WorkspaceMode::SEPARATE}) {
      for (bool masked : {false, true}) {
        INFO(type << ", mode " << name_of(mode) << (masked ? ", masked" : ""));
        Network network(stacked(mode, type));
        DataSet batch{testing::random_tensor({4, 5, 3}, 3), one_hot(4, 2, 1)};
        if (masked) batch.features_mask = mask_of({5, 3, 1, 4}, 5);
        testing::check_parameter_gradients(
            network, [&] { return network.compute_gradients(batch); }, 5e-2, 1e-3);
      }
    }
  }
  WorkspaceManager::destroy_all_for_current_thread();
}

// Token ids through an embedding and an LSTM; a second input through a dense layer,
// repeated over the ids' steps; both merged into a GRU that returns its last step.
NetworkConfig embedded(WorkspaceMode mode) {
  return NetworkBuilder()
      .graph_input("ids", {5, 1})
      .graph_input("context", {2})
      .vertex("embed", {{"type", "embedding"}, {"vocabulary", 7}, {"units", 3}}, {"ids"})
      .vertex("seq", recurrent("lstm", 3, false, true), {"embed"})
      .vertex("dense", {{"type", "dense"}, {"units", 2}, {"activation", "tanh"}}, {"context"})
      .vertex("repeat", {{"type", "duplicate_to_time_series"}}, {"dense", "seq"})
      .vertex("cat", {{"type", "merge"}}, {"seq", "repeat"})
      .vertex("gru", recurrent("gru", 3, true, false), {"cat"})
      .vertex("out", {{"type", "output"}, {"units", 2}}, {"gru"})
      .workspace_modes(mode, mode)
      .seed(9)
      .build();
}

TEST_CASE("embedding and duplicate_to_time_series gradients agree with finite differences",
          "[nn][recurrent][gradient]") {
  for (WorkspaceMode mode : {WorkspaceMode::NONE, WorkspaceMode::SINGLE, WorkspaceMode::SEPARATE}) {
    for (bool masked : {false, true}) {
      INFO("mode " << name_of(mode) << (masked ? ", masked" : ""));
      Network network(embedded(mode));
      Tensor ids = Tensor::empty_detached({4, 5, 1});
      for (std::int64_t i = 0; i < 20; ++i)
        ids.data<float>()[i] = static_cast<float>((i * 5 + 2) % 7);
      MultiDataSet batch{{ids, testing::random_tensor({4, 2}, 4)}, {one_hot(4, 2, 1)}, {}};
      if (masked) batch.features_masks = {mask_of({5, 2, 4, 1}, 5), Tensor()};
      testing::check_parameter_gradients(
          network, [&] { return network.compute_gradients(batch); }, 5e-2, 1e-3);
    }
  }
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("duplicate_to_time_series carries its reference's mask, not its x's", "[nn][recurrent]") {
  // x comes from a masked series of 4 steps (flatten keeps its mask); the reference has 3.
  Network network(NetworkBuilder()
                      .graph_input("a", {4, 2})
                      .graph_input("b", {3, 2})
                      .vertex("flat", {{"type", "flatten"}}, {"a"})
                      .vertex("x", {{"type", "dense"}, {"units", 2}}, {"flat"})
                      .vertex("repeat", {{"type", "duplicate_to_time_series"}}, {"x", "b"})
                      .vertex("seq", recurrent("lstm", 3, false, false), {"repeat"})
                      .vertex("out", {{"type", "output"}, {"units", 2}}, {"seq"})
                      .build());
  MultiDataSet batch{{testing::random_tensor({3, 4, 2}, 5), testing::random_tensor({3, 3, 2}, 6)},
                     {one_hot(3, 2, 0)},
                     {mask_of({4, 1, 2}, 4), mask_of({3, 2, 1}, 3)}};
  // With x's mask [3, 4] the LSTM over 3 steps would refuse the batch.
  CHECK(std::isfinite(network.compute_gradients(batch)));
  // The reference's mask is what the LSTM reads: its padding does not matter.
  const std::vector<Tensor> before = network.output(batch.features, batch.features_masks);
  batch.features[1].data<float>()[(2 * 3 + 2) * 2] = 1e3f;  // example 2, step 2: padding
  const std::vector<Tensor> after = network.output(batch.features, batch.features_masks);
  testing::require_close(after[0], testing::values_of(before[0]), 0.0, 0.0);
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("embedding and duplicate_to_time_series refuse what they cannot read",
          "[nn][recurrent]") {
  CHECK_THROWS_WITH(
      Network(
          NetworkBuilder()
              .graph_input("ids", {5, 2})
              .vertex("embed", {{"type", "embedding"}, {"vocabulary", 7}, {"units", 3}}, {"ids"})
              .vertex("out", {{"type", "output"}, {"units", 2}}, {"embed"})
              .build()),
      Catch::Matchers::Contains("one id per example [1] or a time series of ids [T, 1]"));
  CHECK_THROWS_AS(Network(NetworkBuilder()
                              .graph_input("x", {4})
                              .graph_input("y", {3})
                              .vertex("repeat", {{"type", "duplicate_to_time_series"}}, {"x", "y"})
                              .vertex("out", {{"type", "output"}, {"units", 2}}, {"repeat"})
                              .build()),
                  InvalidArgumentError);
  CHECK_THROWS_AS(
      Network(
          NetworkBuilder()
              .graph_input("ids", {1})
              .vertex("embed", {{"type", "embedding"}, {"vocabulary", 0}, {"units", 3}}, {"ids"})
              .vertex("out", {{"type", "output"}, {"units", 2}}, {"embed"})
              .build()),
      InvalidArgumentError);
  // An id out of the vocabulary names itself.
  Network network(embedded(WorkspaceMode::SEPARATE));
  Tensor ids = Tensor::empty_detached({2, 5, 1});
  for (std::int64_t i = 0; i < 10; ++i) ids.data<float>()[i] = 1.0f;
  ids.data<float>()[6] = 7.0f;
  const MultiDataSet batch{{ids, testing::random_tensor({2, 2}, 4)}, {one_hot(2, 2, 1)}, {}};
  CHECK_THROWS_WITH(network.fit(batch), Catch::Matchers::Contains("index 7 at position 6"));
  WorkspaceManager::destroy_all_for_current_thread();
}

// PyTorch 2.15's nn.LSTM and nn.GRU (float64, bidirectional, batch_first) on packed
// sequences of lengths 4 and 2, with every parameter 0.5·sin(0.37k + 0.1) in Gyre's layout
// (W = weight_ihᵀ, RW = weight_hhᵀ, b = bias_ih (+ bias_hh = 0 for the LSTM), rb = bias_hh)
// and x = cos(0.23k): h_n of both directions, as tools/bench/torch_recurrent_reference.py
// prints them.
TEST_CASE("LSTM and GRU give what PyTorch gives on packed sequences", "[nn][recurrent]") {
  struct Reference {
    const char* type;
    std::int64_t parameters;
    double h_n[8];
  };
  const Reference references[] = {{"lstm",
                                   96,
                                   {-0.124827201, -0.142677583, 0.185453021, 0.110650535,
                                    -0.148620203, -0.149742681, 0.030622611, -0.083901031}},
                                  {"gru",
                                   84,
                                   {0.292130341, 0.319024846, -0.295809675, -0.397218208,
                                    0.096263230, 0.157683378, -0.118450168, -0.189180567}}};
  for (const Reference& reference : references) {
    INFO(reference.type);
    // The recurrent layer, then an identity output layer (mse: no activation).
    Network network(NetworkBuilder()
                        .graph_input("x", {4, 3})
                        .vertex("rnn", recurrent(reference.type, 2, true, false), {"x"})
                        .vertex("out", {{"type", "output"}, {"units", 4}, {"loss", "mse"}}, {"rnn"})
                        .build());
    float* p = network.parameters().data<float>();
    REQUIRE(network.parameters().numel() == reference.parameters + 4 * 4 + 4);
    for (std::int64_t k = 0; k < reference.parameters; ++k)
      p[k] = static_cast<float>(0.5 * std::sin(0.37 * static_cast<double>(k) + 0.1));
    for (std::int64_t k = 0; k < 20; ++k) p[reference.parameters + k] = k < 16 && k % 5 == 0;
    Tensor x = Tensor::empty_detached({2, 4, 3});
    for (std::int64_t k = 0; k < 24; ++k)
      x.data<float>()[k] = static_cast<float>(std::cos(0.23 * static_cast<double>(k)));
    const Tensor y = network.output(x, mask_of({4, 2}, 4));
    testing::require_close(y, std::vector<double>(reference.h_n, reference.h_n + 8), 1e-5, 1e-6);
  }
  WorkspaceManager::destroy_all_for_current_thread();
}

// Labels per time step [n, steps, classes], one-hot.
Tensor step_labels(std::int64_t n, std::int64_t steps, std::int64_t classes) {
  Tensor labels = Tensor::empty_detached({n, steps, classes});
  for (std::int64_t r = 0; r < n * steps; ++r)
    for (std::int64_t c = 0; c < classes; ++c)
      labels.data<float>()[r * classes + c] = (r * 7 + 3) % classes == c;
  return labels;
}

NetworkConfig per_step(const std::string& loss, WorkspaceMode mode = WorkspaceMode::SEPARATE) {
  return NetworkBuilder()
      .graph_input("x", {5, 3})
      .vertex("seq", recurrent("gru", 4, true, true), {"x"})
      .vertex("out", {{"type", "rnn_output"}, {"units", 3}, {"loss", loss}}, {"seq"})
      .workspace_modes(mode, mode)
      .seed(10)
      .build();
}

TEST_CASE("rnn_output gradients agree with finite differences, with features or labels masks",
          "[nn][recurrent][gradient]") {
  for (const std::string loss : {"mcxent", "mse"}) {
    for (int masks = 0; masks < 3; ++masks) {  // none, features mask, labels mask
      INFO(loss << ", masks " << masks);
      Network network(per_step(loss));
      DataSet batch{testing::random_tensor({4, 5, 3}, 13), step_labels(4, 5, 3)};
      if (masks == 1) batch.features_mask = mask_of({5, 2, 4, 1}, 5);
      if (masks == 2) batch.labels_mask = mask_of({3, 5, 1, 2}, 5);
      testing::check_parameter_gradients(
          network, [&] { return network.compute_gradients(batch); }, 5e-2, 1e-3);
    }
  }
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("rnn_output's loss is the mean over present steps, and evaluate counts only those",
          "[nn][recurrent]") {
  Network network(per_step("mcxent"));
  const Tensor x = testing::random_tensor({3, 5, 3}, 14), labels = step_labels(3, 5, 3);
  const std::vector<std::int64_t> lengths = {5, 2, 4};
  const Tensor mask = mask_of(lengths, 5);
  const Tensor predictions = network.output(x, mask);
  REQUIRE(predictions.shape() == Shape({3, 5, 3}));
  double total = 0.0;
  std::int64_t present = 0;
  for (std::int64_t r = 0; r < 3; ++r)
    for (std::int64_t t = 0; t < lengths[static_cast<std::size_t>(r)]; ++t, ++present)
      for (std::int64_t c = 0; c < 3; ++c) {
        const std::int64_t at = (r * 5 + t) * 3 + c;
        total -= labels.data<float>()[at] * std::log(predictions.data<float>()[at]);
      }
  DataSet batch{x, labels, mask};
  CHECK(network.compute_gradients(batch) ==
        Approx(total / static_cast<double>(present)).epsilon(1e-5));
  // A labels mask wins over the features mask; all masked steps: a zero loss, not NaN.
  batch.labels_mask = mask_of({0, 0, 0}, 5);
  CHECK(network.compute_gradients(batch) == 0.0);
  // evaluate() scores each present step.
  OneBatch source;
  source.data = DataSet{x, labels, mask};
  Evaluation evaluation(3);
  network.evaluate(source, {&evaluation});
  CHECK(evaluation.examples() == present);
  // Labels of the wrong shape, a labels mask of the wrong shape, and xent with a mask.
  CHECK_THROWS_AS(network.compute_gradients(DataSet{x, one_hot(3, 3, 0)}), InvalidArgumentError);
  CHECK_THROWS_AS(network.compute_gradients(DataSet{x, labels, Tensor(), mask_of({1, 1}, 5)}),
                  InvalidArgumentError);
  Network binary(per_step("xent"));
  CHECK_THROWS_WITH(binary.compute_gradients(DataSet{x, labels, mask}),
                    Catch::Matchers::Contains("xent loss takes no mask"));
  CHECK(std::isfinite(binary.compute_gradients(DataSet{x, labels})));
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("a padded, masked example gives what the example alone gives", "[nn][recurrent]") {
  const std::string type = GENERATE("lstm", "gru");
  INFO(type);
  Network network(stacked(WorkspaceMode::SEPARATE, type));
  const Tensor padded = testing::random_tensor({3, 5, 3}, 12);
  const std::vector<std::int64_t> lengths = {5, 2, 4};
  std::vector<Tensor> alone_outputs;
  for (std::int64_t r = 0; r < 3; ++r) {
    const std::int64_t length = lengths[static_cast<std::size_t>(r)];
    Tensor alone = Tensor::empty_detached({1, length, 3});
    for (std::int64_t t = 0; t < length; ++t)
      for (std::int64_t c = 0; c < 3; ++c)
        alone.data<float>()[t * 3 + c] = padded.data<float>()[(r * 5 + t) * 3 + c];
    alone_outputs.push_back(network.output(alone));
  }
  // The padding holds garbage the mask must hide.
  for (std::int64_t r = 0; r < 3; ++r)
    for (std::int64_t t = lengths[static_cast<std::size_t>(r)]; t < 5; ++t)
      for (std::int64_t c = 0; c < 3; ++c) padded.data<float>()[(r * 5 + t) * 3 + c] = 1e3f;
  DataSet batch{padded, one_hot(3, 2, 0), mask_of(lengths, 5)};
  // evaluate() is the inference call that takes a mask: record its predictions.
  struct Recorder final : Evaluator {
    Tensor predictions;
    void eval(const Tensor&, const Tensor& output) override { predictions = output.detach(); }
    void reset() override {}
  };
  OneBatch source;
  source.data = batch;
  Recorder recorder;
  network.evaluate(source, {&recorder});
  const std::vector<double> together = testing::values_of(recorder.predictions);
  for (std::size_t r = 0; r < 3; ++r) {
    INFO("example " << r << " of length " << lengths[r]);
    const std::vector<double> expected = testing::values_of(alone_outputs[r]);
    const std::vector<double> actual(together.begin() + static_cast<std::ptrdiff_t>(2 * r),
                                     together.begin() + static_cast<std::ptrdiff_t>(2 * r + 2));
    testing::require_close(actual, expected, 1e-5, 1e-6);
  }
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("variable-length training allocates nothing once the longest batch has been seen",
          "[nn][recurrent][steady-state]") {
  WorkspaceManager::destroy_all_for_current_thread();
  const std::string type = GENERATE("lstm", "gru");
  INFO(type);
  Network network(stacked(WorkspaceMode::SEPARATE, type));
  auto batch_of = [](std::int64_t steps, std::uint32_t seed) {
    DataSet batch{testing::random_tensor({6, steps, 3}, seed), one_hot(6, 2, seed)};
    batch.features_mask = mask_of({steps, 1, steps - 1, 2, steps, 3}, steps);
    return batch;
  };
  const DataSet longest = batch_of(9, 1);
  std::vector<DataSet> batches;
  for (std::int64_t steps : {4, 9, 6, 3, 7})
    batches.push_back(batch_of(steps, static_cast<std::uint32_t>(steps)));
  for (int i = 0; i < 2; ++i) network.fit(longest);  // learns the sizes
  auto growths = [] {
    std::uint64_t count = detached_resource(Device::cpu()).statistics().misses;
    for (const WorkspaceStatistics& workspace : WorkspaceManager::current().statistics())
      count += workspace.arenas[0].spill_count + workspace.arenas[0].resize_count;
    return count;
  };
  const std::uint64_t before = growths();
  testing::HeapAllocationCounter counter;
  for (const DataSet& batch : batches) network.fit(batch);
  CHECK(counter.count() == 0);
  CHECK(growths() == before);
  CHECK(std::isfinite(network.score()));
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("RandomLengthSequences cuts each example to a random length and masks the rest",
          "[nn][recurrent][data]") {
  const Tensor images = testing::random_tensor({40, 6 * 4}, 21, 0.5f, 1.0f);  // never zero
  const Tensor labels = one_hot(40, 3, 0);
  InMemoryIterator source(images, labels, 8, false, 0);
  RandomLengthSequences sequences(source, 6, 4, 2, 5);
  std::vector<double> first_epoch_masks;
  std::set<std::int64_t> batch_lengths;
  for (int epoch = 0; epoch < 2; ++epoch) {
    sequences.reset();
    std::int64_t row = 0;
    while (sequences.has_next()) {
      const DataSet batch = sequences.next();
      const std::int64_t n = batch.examples(), steps = batch.features.shape().dim(1);
      REQUIRE(batch.features.shape() == Shape({n, steps, 4}));
      REQUIRE(batch.features_mask.shape() == Shape({n, steps}));
      batch_lengths.insert(steps);
      std::int64_t longest = 0;
      for (std::int64_t r = 0; r < n; ++r, ++row) {
        std::int64_t length = 0;
        for (std::int64_t t = 0; t < steps; ++t) {
          const float present = batch.features_mask.data<float>()[r * steps + t];
          if (present == 1.0f) REQUIRE(t == length++);  // present steps come first
          for (std::int64_t c = 0; c < 4; ++c) {
            const float value = batch.features.data<float>()[(r * steps + t) * 4 + c];
            REQUIRE(value == (present == 1.0f ? images.data<float>()[row * 24 + t * 4 + c] : 0.0f));
          }
        }
        REQUIRE(length >= 2);
        REQUIRE(length <= 6);
        longest = std::max(longest, length);
      }
      CHECK(longest == steps);  // a batch is as long as its longest example
      if (epoch == 0) {
        const std::vector<double> mask = testing::values_of(batch.features_mask);
        first_epoch_masks.insert(first_epoch_masks.end(), mask.begin(), mask.end());
      }
    }
    CHECK(row == 40);
  }
  CHECK(batch_lengths.size() > 1);  // batches really vary
  // The same seed draws the same lengths.
  InMemoryIterator again(images, labels, 8, false, 0);
  RandomLengthSequences replay(again, 6, 4, 2, 5);
  replay.reset();
  std::vector<double> replayed;
  while (replay.has_next()) {
    const std::vector<double> mask = testing::values_of(replay.next().features_mask);
    replayed.insert(replayed.end(), mask.begin(), mask.end());
  }
  CHECK(replayed == first_epoch_masks);
  // A test set is cut the same way at every epoch.
  InMemoryIterator tests(images, labels, 8, false, 0);
  RandomLengthSequences fixed(tests, 6, 4, 2, 5, false);
  std::vector<double> epochs[2];
  for (std::vector<double>& masks : epochs) {
    fixed.reset();
    while (fixed.has_next()) {
      const std::vector<double> mask = testing::values_of(fixed.next().features_mask);
      masks.insert(masks.end(), mask.begin(), mask.end());
    }
  }
  CHECK(epochs[0] == epochs[1]);
  CHECK_THROWS_AS(RandomLengthSequences(again, 6, 4, 7, 1), InvalidArgumentError);
}
