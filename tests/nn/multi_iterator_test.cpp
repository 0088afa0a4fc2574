// MultiDataSetIterators (issue 19): the prefetcher over batches of several inputs and outputs
// with masks, growing its ring for a longer batch and then allocating nothing; fit() and
// per-output evaluate() over them; the shield; the adapter from a DataSetIterator. Run under
// TSan in CI with the other prefetch tests.
#include <catch2/catch.hpp>
#include <thread>

#include "nn/async_iterator.h"
#include "nn/evaluation.h"
#include "nn/in_memory_iterator.h"
#include "nn/multi_data_set_adapter.h"
#include "nn/network.h"
#include "runtime/detached_memory.h"
#include "runtime/error.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/error_message.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/one_batch_iterator.h"
#include "tests/support/strict_logging.h"
#include "workspace/workspace_manager.h"

using namespace gyre;
using namespace gyre::nn;
using Catch::Matchers::Contains;

namespace {

constexpr std::int64_t kExamples = 4, kChannels = 3;

// Batch b of an epoch: a time series "seq" [4, T_b, 3] whose example n has max(1, T_b - n)
// present steps (features mask), a vector "extra" [4, 2] with no mask, a class per example
// and a class per step (its labels mask: the first step of every example is not scored).
// Values follow from (b, n, t, c), so a consumer can check what it got.
class SequencePairs final : public MultiDataSetIterator {
 public:
  explicit SequencePairs(std::vector<std::int64_t> lengths) : lengths_(std::move(lengths)) {}

  static float value(std::int64_t b, std::int64_t n, std::int64_t t, std::int64_t c) {
    return 0.1f * static_cast<float>(b) + 0.05f * static_cast<float>(n) -
           0.02f * static_cast<float>(t * kChannels + c);
  }
  static std::int64_t present(std::int64_t steps, std::int64_t n) {
    return std::max<std::int64_t>(1, steps - n);
  }

  bool has_next() override { return next_ < lengths_.size(); }
  const MultiDataSet& next() override {
    const auto b = static_cast<std::int64_t>(next_);
    const std::int64_t steps = lengths_[next_++];
    caller_ = std::this_thread::get_id();
    Tensor seq = Tensor::empty({kExamples, steps, kChannels});
    Tensor extra = Tensor::empty({kExamples, 2});
    Tensor mask = Tensor::empty({kExamples, steps}), step_mask = Tensor::empty({kExamples, steps});
    Tensor classes = Tensor::empty({kExamples, 2}),
           step_classes = Tensor::empty({kExamples, steps, 2});
    for (std::int64_t n = 0; n < kExamples; ++n) {
      for (std::int64_t t = 0; t < steps; ++t) {
        const bool on = t < present(steps, n);
        for (std::int64_t c = 0; c < kChannels; ++c)
          seq.data<float>()[(n * steps + t) * kChannels + c] = on ? value(b, n, t, c) : 0.0f;
        mask.data<float>()[n * steps + t] = on;
        step_mask.data<float>()[n * steps + t] = on && t > 0;
        for (std::int64_t k = 0; k < 2; ++k)
          step_classes.data<float>()[(n * steps + t) * 2 + k] = (n + t) % 2 == k;
      }
      extra.data<float>()[n * 2] = value(b, n, 0, 0);
      extra.data<float>()[n * 2 + 1] = -value(b, n, 0, 1);
      for (std::int64_t k = 0; k < 2; ++k) classes.data<float>()[n * 2 + k] = (n + b) % 2 == k;
    }
    batch_.features.assign({seq, extra});
    batch_.features_masks.assign({mask, Tensor()});
    batch_.labels.assign({classes, step_classes});
    batch_.labels_masks.assign({Tensor(), step_mask});
    return batch_;
  }
  void reset() override { next_ = 0; }
  std::int64_t batch() const override { return kExamples; }
  std::int64_t total_examples() const override {
    return kExamples * static_cast<std::int64_t>(lengths_.size());
  }
  std::thread::id caller() const { return caller_; }

 private:
  std::vector<std::int64_t> lengths_;
  std::size_t next_ = 0;
  MultiDataSet batch_;
  std::thread::id caller_;
};

// An LSTM over "seq" scored per step (rnn_output) and, merged with "extra", per example.
NetworkConfig two_headed(WorkspaceMode mode = WorkspaceMode::SEPARATE) {
  return NetworkBuilder()
      .graph_input("seq", {5, kChannels})
      .graph_input("extra", {2})
      .vertex("h", {{"type", "lstm"}, {"units", 4}, {"return_sequences", true}}, {"seq"})
      .vertex("steps", {{"type", "rnn_output"}, {"units", 2}}, {"h"})
      .vertex("last", {{"type", "last_time_step"}}, {"h"})
      .vertex("e", {{"type", "dense"}, {"units", 3}, {"activation", "tanh"}}, {"extra"})
      .vertex("cat", {{"type", "merge"}}, {"last", "e"})
      .vertex("cls", {{"type", "output"}, {"units", 2}}, {"cat"})
      .graph_outputs({{"cls", 1.0f}, {"steps", 0.5f}})
      .workspace_modes(mode, mode)
      .seed(5)
      .build();
}

const std::vector<std::int64_t> kLengths = {3, 7, 5, 2, 6};

using OneMultiBatch = testing::OneBatchIterator<MultiDataSetIterator>;

}  // namespace

TEST_CASE("AsyncMultiDataSetIterator yields the source's batches and masks in order, every epoch",
          "[nn][async][multi][threads]") {
  SequencePairs source(kLengths);
  AsyncMultiDataSetIterator async(source, 2);
  for (int epoch = 0; epoch < 2; ++epoch) {
    async.reset();
    std::int64_t b = 0;
    while (async.has_next()) {
      const MultiDataSet& batch = async.next();
      const std::int64_t steps = kLengths[static_cast<std::size_t>(b)];
      INFO("epoch " << epoch << ", batch " << b);
      REQUIRE(batch.features.size() == 2);
      REQUIRE(batch.labels.size() == 2);
      REQUIRE(batch.features_masks.size() == 2);
      REQUIRE(batch.labels_masks.size() == 2);
      CHECK(batch.features[0].shape() == Shape({kExamples, steps, kChannels}));
      CHECK(batch.features[0].data<float>()[0] == SequencePairs::value(b, 0, 0, 0));
      CHECK(batch.features[1].data<float>()[6] == SequencePairs::value(b, 3, 0, 0));
      CHECK(batch.features_masks[0].shape() == Shape({kExamples, steps}));
      CHECK_FALSE(batch.features_masks[1].defined());
      CHECK_FALSE(batch.labels_masks[0].defined());
      CHECK(batch.labels_masks[1].data<float>()[0] == 0.0f);  // step 0 is not scored
      CHECK(batch.labels[0].data<float>()[b % 2] == 1.0f);
      ++b;
    }
    CHECK(b == static_cast<std::int64_t>(kLengths.size()));
    CHECK_THROWS_AS(async.next(), InvalidArgumentError);
  }
  CHECK(async.statistics().batches == 2 * kLengths.size());
}

TEST_CASE("once the ring has seen the longest batch, an epoch of MultiDataSets allocates nothing",
          "[nn][async][multi][threads]") {
  testing::allow_warnings(8);  // each growth of the ring is logged
  SequencePairs source(kLengths);
  AsyncMultiDataSetIterator async(source, 2);
  auto epoch = [&] {
    async.reset();
    while (async.has_next()) async.next();
  };
  epoch();
  epoch();
  const std::uint64_t growths = async.statistics().ring_growths;
  testing::ProcessAllocationCounter counter;
  for (int i = 0; i < 3; ++i) epoch();
  CHECK(counter.count() == 0);  // the source's, the slots' and the held batch's vectors reused
  CHECK(async.statistics().ring_growths == growths);
}

TEST_CASE(
    "fit() over a MultiDataSetIterator prefetches it and, past the longest batch, allocates "
    "nothing per iteration",
    "[nn][async][multi][threads][steady-state]") {
  testing::allow_warnings(16);
  WorkspaceManager::destroy_all_for_current_thread();
  Network network(two_headed());
  SequencePairs source(kLengths);
  network.fit(source, 2);  // every workspace and the ring learn their sizes
  REQUIRE(network.prefetcher() != nullptr);
  CHECK(network.prefetcher()->statistics().batches == 2 * kLengths.size());
  CHECK(source.caller() != std::this_thread::get_id());
  auto growths = [&] {
    std::uint64_t count = detached_resource(Device::cpu()).statistics().misses +
                          network.prefetcher()->statistics().ring_growths;
    for (const WorkspaceStatistics& workspace : WorkspaceManager::current().statistics())
      for (const ArenaStatistics& arena : workspace.arenas)
        count += arena.spill_count + arena.resize_count;
    return count;
  };
  const std::uint64_t before = growths();
  const double first_score = network.score();
  {
    testing::ProcessAllocationCounter counter;
    network.fit(source, 3);
    CHECK(counter.count() == 0);
  }
  CHECK(growths() == before);
  CHECK(network.iteration() == 5 * static_cast<std::int64_t>(kLengths.size()));
  CHECK(std::isfinite(network.score()));
  CHECK(network.score() != first_score);
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("the shield keeps a MultiDataSetIterator on the training thread",
          "[nn][async][multi][threads]") {
  Network network(two_headed());
  SequencePairs source(kLengths);
  AsyncShieldMultiDataSetIterator shield(source);
  network.fit(shield, 1);
  CHECK(source.caller() == std::this_thread::get_id());
  CHECK(network.prefetcher() == nullptr);
  CHECK(network.iteration() == static_cast<std::int64_t>(kLengths.size()));
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("evaluate() feeds each output's evaluators, per step only the labels mask's steps",
          "[nn][async][multi]") {
  Network network(two_headed());
  SequencePairs source(kLengths);
  network.fit(source, 1);
  Evaluation per_example(2), per_step(2);
  network.evaluate(source, {{&per_example}, {&per_step}});
  CHECK(per_example.examples() == kExamples * static_cast<std::int64_t>(kLengths.size()));
  std::int64_t scored = 0;  // the present steps after the first
  for (std::int64_t steps : kLengths)
    for (std::int64_t n = 0; n < kExamples; ++n) scored += SequencePairs::present(steps, n) - 1;
  CHECK(per_step.examples() == scored);

  // The same predictions as output() with the masks, batch by batch.
  Evaluation again(2);
  source.reset();
  while (source.has_next()) {
    const MultiDataSet batch = source.next().detach();
    const std::vector<Tensor> outputs = network.output(batch.features, batch.features_masks);
    again.eval(batch.labels[0], outputs[0]);
  }
  CHECK(again.accuracy() == per_example.accuracy());

  Evaluation only(2);
  network.evaluate(source, {{}, {&only}});  // an output may go unevaluated
  CHECK(only.examples() == scored);
  CHECK_THROWS_WITH(network.evaluate(source, {{&only}}),
                    Contains("given 1 lists of evaluators") && Contains("2 outputs"));
  // Masks in the wrong number are refused, not read past the end.
  OneMultiBatch bad;
  source.reset();
  bad.data = source.next().detach();
  bad.data.features_masks.resize(1);
  CHECK_THROWS_WITH(network.evaluate(bad, {{&only}, {}}),
                    Contains("1 features masks for 2 inputs"));
  bad.data = source.next().detach();
  bad.data.labels_masks.resize(1);
  CHECK_THROWS_WITH(network.evaluate(bad, {{&only}, {}}), Contains("1 labels masks for 2 outputs"));
  WorkspaceManager::destroy_all_for_current_thread();
}

TEST_CASE("a DataSetIterator through the adapter trains and evaluates bit for bit as itself",
          "[nn][async][multi]") {
  const Tensor features = testing::random_tensor({60, 6}, 11);
  Tensor labels = Tensor::empty_detached({60, 3});
  for (std::int64_t r = 0; r < 60; ++r)
    for (std::int64_t c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c;
  auto config = [] {
    return NetworkBuilder().input({6}).dense(8, "relu").output(3).seed(2).build();
  };
  Network plain(config()), adapted(config());
  InMemoryIterator plain_data(features, labels, 16, true, 4),
      adapted_data(features, labels, 16, true, 4);
  MultiDataSetIteratorAdapter adapter(adapted_data);
  plain.fit(plain_data, 2);
  adapted.fit(adapter, 2);
  CHECK(testing::values_of(plain.parameters()) == testing::values_of(adapted.parameters()));
  Evaluation plain_evaluation(3), adapted_evaluation(3);
  plain.evaluate(plain_data, {&plain_evaluation});
  adapted.evaluate(adapter, {{&adapted_evaluation}});
  CHECK(adapted_evaluation.examples() == 60);
  CHECK(adapted_evaluation.accuracy() == plain_evaluation.accuracy());
  WorkspaceManager::destroy_all_for_current_thread();
}
