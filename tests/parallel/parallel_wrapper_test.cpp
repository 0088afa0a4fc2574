// ParallelWrapper: the equivalence of averaged SGD with one large batch, averaging rules,
// flat memory across epochs and fit() calls, and failures that reach the caller with no
// thread left behind. Threaded: also run under ThreadSanitizer in CI.
#include "parallel/parallel_wrapper.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "nn/in_memory_iterator.h"
#include "runtime/fault_injecting_resource.h"
#include "runtime/thread_census.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/strict_logging.h"
#include "workspace/workspace_registry.h"

using namespace gyre;
using namespace gyre::nn;
using namespace gyre::parallel;
using Catch::Matchers::Contains;

namespace {
NetworkConfig sgd_network() {
  UpdaterConfig sgd;
  sgd.type = "sgd";
  sgd.learning_rate = 0.1f;
  return NetworkBuilder().input({6}).dense(5, "tanh").output(3).updater(sgd).seed(9).build();
}

// A residual block: x + tanh(W x + b), then the output layer.
NetworkConfig sgd_graph() {
  NetworkConfig config = sgd_network();
  return NetworkBuilder()
      .graph_input("x", {6})
      .vertex("h", {{"type", "dense"}, {"units", 6}, {"activation", "tanh"}}, {"x"})
      .vertex("r", {{"type", "add"}}, {"x", "h"})
      .vertex("out", {{"type", "output"}, {"units", 3}}, {"r"})
      .updater(config.updater)
      .seed(9)
      .build();
}

// Two inputs, a vector and a [2, 3] matrix, summed after their dense layers.
NetworkConfig sgd_two_inputs() {
  return NetworkBuilder()
      .graph_input("a", {6})
      .graph_input("b", {2, 3})
      .vertex("ha", {{"type", "dense"}, {"units", 4}, {"activation", "tanh"}}, {"a"})
      .vertex("flat", {{"type", "flatten"}}, {"b"})
      .vertex("hb", {{"type", "dense"}, {"units", 4}, {"activation", "tanh"}}, {"flat"})
      .vertex("sum", {{"type", "add"}}, {"ha", "hb"})
      .vertex("out", {{"type", "output"}, {"units", 3}}, {"sum"})
      .updater(sgd_network().updater)
      .seed(9)
      .build();
}

struct Data {
  Tensor features = testing::random_tensor({40, 6}, 11);
  Tensor labels = Tensor::empty_detached({40, 3});
  Data() {
    for (int r = 0; r < 40; ++r) {
      for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c ? 1.0f : 0.0f;
    }
  }
};

// Both inputs' rows in order, `batch` at a time (views: nothing copied).
class TwoInputs final : public MultiDataSetIterator {
 public:
  TwoInputs(const Data& data, std::int64_t batch) : data_(data), batch_(batch) {}
  bool has_next() override { return position_ < 40; }
  const MultiDataSet& next() override {
    const std::int64_t end = std::min<std::int64_t>(position_ + batch_, 40);
    current_.features = {data_.features.slice(0, position_, end), second_.slice(0, position_, end)};
    current_.labels = {data_.labels.slice(0, position_, end)};
    position_ = end;
    return current_;
  }
  void reset() override { position_ = 0; }
  std::int64_t batch() const override { return batch_; }
  std::int64_t total_examples() const override { return 40; }

 private:
  const Data& data_;
  Tensor second_ = testing::random_tensor({40, 2, 3}, 12);
  std::int64_t batch_, position_ = 0;
  MultiDataSet current_;
};

// Fails on its third batch.
class FailingSource final : public DataSetIterator {
 public:
  explicit FailingSource(const Data& data) : data_(data) {}
  bool has_next() override { return true; }
  DataSet next() override {
    if (++served_ == 3) throw std::runtime_error("disk on fire");
    return {data_.features.slice(0, 0, 4), data_.labels.slice(0, 0, 4)};
  }
  void reset() override { served_ = 0; }
  std::int64_t batch() const override { return 4; }
  std::int64_t total_examples() const override { return 1000; }

 private:
  const Data& data_;
  int served_ = 0;
};
}  // namespace

TEST_CASE(
    "N workers with plain SGD, averaging every iteration, equal one worker on the concatenated "
    "batch",
    "[parallel][threads]") {
  const Data data;
  for (int workers : {2, 4}) {
    INFO(workers << " workers");
    // 40 examples in batches of 4: 10 batches, so with 4 workers the last round is short
    // (2 batches) and averages only the two workers that trained.
    Network reference(sgd_network());
    InMemoryIterator concatenated(data.features, data.labels, 4 * workers, false, 0);
    reference.fit(concatenated, 2);

    Network model(sgd_network());
    InMemoryIterator batches(data.features, data.labels, 4, false, 0);
    auto wrapper = ParallelWrapper::Builder(model).workers(workers).averaging_frequency(1).build();
    wrapper->fit(batches, 2);
    testing::require_close(model.parameters(), testing::values_of(reference.parameters()), 1e-5,
                           1e-6);
    for (int i = 1; i < workers; ++i) {  // every replica leaves fit() with the same parameters
      testing::require_close(wrapper->replica(i).parameters(),
                             testing::values_of(model.parameters()), 0.0, 0.0);
    }
    const ParallelStatistics statistics = wrapper->statistics();
    CHECK(statistics.rounds == 2 * ((10 + workers - 1) / workers));
    CHECK(statistics.averagings == statistics.rounds);
  }
}

TEST_CASE("two workers train a residual graph as one network on the concatenated batch",
          "[parallel][threads][graph]") {
  const Data data;
  Network reference(sgd_graph());
  InMemoryIterator concatenated(data.features, data.labels, 8, false, 0);
  const std::vector<double> initial = testing::values_of(reference.parameters());
  reference.fit(concatenated, 2);
  CHECK(testing::values_of(reference.parameters()) != initial);

  Network model(sgd_graph());
  InMemoryIterator batches(data.features, data.labels, 4, false, 0);
  auto wrapper = ParallelWrapper::Builder(model).workers(2).averaging_frequency(1).build();
  wrapper->fit(batches, 2);
  testing::require_close(model.parameters(), testing::values_of(reference.parameters()), 1e-5,
                         1e-6);
  CHECK(wrapper->replica(1).config().to_json() == model.config().to_json());
}

TEST_CASE(
    "two workers train a two-input graph from a MultiDataSetIterator as one network on "
    "the concatenated batch",
    "[parallel][threads][graph]") {
  const Data data;
  Network reference(sgd_two_inputs());
  TwoInputs concatenated(data, 8);
  const std::vector<double> initial = testing::values_of(reference.parameters());
  reference.fit(concatenated, 2);
  CHECK(testing::values_of(reference.parameters()) != initial);

  Network model(sgd_two_inputs());
  TwoInputs batches(data, 4);
  auto wrapper = ParallelWrapper::Builder(model).workers(2).averaging_frequency(1).build();
  wrapper->fit(batches, 2);
  testing::require_close(model.parameters(), testing::values_of(reference.parameters()), 1e-5,
                         1e-6);
  testing::require_close(wrapper->replica(1).parameters(), testing::values_of(model.parameters()),
                         0.0, 0.0);
  CHECK(wrapper->statistics().rounds == 10);
}

TEST_CASE("averaging every k rounds, and once more at the end of fit()", "[parallel][threads]") {
  const Data data;
  Network model(sgd_network());
  InMemoryIterator batches(data.features, data.labels, 4, false, 0);
  auto wrapper = ParallelWrapper::Builder(model).workers(2).averaging_frequency(3).build();
  wrapper->fit(batches, 1);  // 5 rounds: averaged after round 3 and at the end
  CHECK(wrapper->statistics().rounds == 5);
  CHECK(wrapper->statistics().averagings == 2);
  testing::require_close(wrapper->replica(1).parameters(), testing::values_of(model.parameters()),
                         0.0, 0.0);
}

TEST_CASE("wrong wrapper settings are refused with the field that is wrong", "[parallel]") {
  Network model(sgd_network());
  CHECK_THROWS_WITH(ParallelWrapper::Builder(model).averaging_frequency(0).build(),
                    Contains("averaging_frequency 0 must be >= 1"));
  CHECK_THROWS_WITH(ParallelWrapper::Builder(model).workers(-1).build(), Contains("workers -1"));
  CHECK_THROWS_WITH(ParallelWrapper::Builder(model).prefetch_buffer(-2).build(),
                    Contains("prefetch_buffer -2"));
  auto one = ParallelWrapper::Builder(model).build();  // one device: one worker
  CHECK(one->workers() == 1);
}

TEST_CASE("memory does not grow across epochs or across fit() calls", "[parallel][threads]") {
  const Data data;
  Network model(sgd_network());
  InMemoryIterator batches(data.features, data.labels, 4, true, 3);
  auto wrapper =
      ParallelWrapper::Builder(model).workers(3).workspace_mode(WorkspaceMode::SEPARATE).build();
  auto workspace_memory = [] {
    std::size_t bytes = 0;
    for (const ThreadWorkspaceMemory& thread : WorkspaceRegistry::instance().memory_by_thread())
      bytes += thread.reserved_bytes;
    return std::pair{bytes, WorkspaceRegistry::instance().workspace_count()};
  };
  wrapper->fit(batches, 1);
  const auto after_epoch_1 = workspace_memory();
  wrapper->fit(batches, 9);
  CHECK(workspace_memory() == after_epoch_1);
  for (int call = 0; call < 5; ++call) wrapper->fit(batches, 1);
  CHECK(workspace_memory() == after_epoch_1);
  CHECK(after_epoch_1.first > 0);
}

TEST_CASE("a failing source or worker reaches fit()'s caller and leaves no thread running",
          "[parallel][threads]") {
  const Data data;
  Network model(sgd_network());
  auto wrapper = ParallelWrapper::Builder(model).workers(3).build();
  const int threads_before = ThreadCensus::live();
  FailingSource failing(data);
  CHECK_THROWS_WITH(wrapper->fit(failing, 1), Contains("disk on fire"));
  CHECK(ThreadCensus::live() == threads_before);

  // A worker fails: its batch has 7 features for a network that takes 6.
  const Tensor wrong = testing::random_tensor({40, 7}, 5);
  InMemoryIterator mismatched(wrong, data.labels, 4, false, 0);
  CHECK_THROWS_AS(wrapper->fit(mismatched, 1), Error);
  CHECK(ThreadCensus::live() == threads_before);

  InMemoryIterator good(data.features, data.labels, 4, false, 0);  // and the next fit() works
  wrapper->fit(good, 1);
  CHECK(wrapper->statistics().rounds >= 4);
  testing::require_close(wrapper->replica(2).parameters(), testing::values_of(model.parameters()),
                         0.0, 0.0);
}

TEST_CASE("the averaged score is reported after averaging when asked", "[parallel][threads]") {
  const Data data;
  Network model(sgd_network());
  InMemoryIterator batches(data.features, data.labels, 4, false, 0);
  auto wrapper =
      ParallelWrapper::Builder(model).workers(2).report_score_after_averaging(true).build();
  wrapper->fit(batches, 1);
  // The mean of the replicas' last losses, read when the final average began (nothing has
  // trained since).
  const double mean = (wrapper->replica(0).score() + wrapper->replica(1).score()) / 2.0;
  CHECK(wrapper->replica(0).score() != wrapper->replica(1).score());  // a real mean
  CHECK(wrapper->statistics().last_averaged_score == Approx(mean).epsilon(1e-12));
  CHECK(wrapper->statistics().averaging_seconds > 0.0);
}

TEST_CASE("a failed allocation anywhere in a parallel fit() reaches the caller, the next works",
          "[parallel][threads][faults]") {
  const Data data;
  FaultTrigger& injection = fault_injection(MemoryKind::host);
  int sites = 0;
  for (std::uint64_t n = 1; n < 400; ++n) {
    INFO("failing host allocation #" << n);
    testing::allow_warnings(1000);
    Network model(sgd_network());
    auto wrapper = ParallelWrapper::Builder(model).workers(2).build();
    InMemoryIterator batches(data.features, data.labels, 4, false, 0);
    const int threads_before = ThreadCensus::live();
    injection.arm(n);
    bool failed = false;
    try {
      wrapper->fit(batches, 1);
    } catch (const Error&) {
      CHECK(injection.fired());
      failed = true;
    }
    injection.disarm();
    if (!injection.fired()) break;
    ++sites;
    // A failed fit() joins its workers and its prefetcher. One that absorbed the failure (a
    // spill instead of an arena) keeps its two workers for the next call, and its paused
    // prefetcher too unless the failure was in the prefetcher's own start.
    if (failed) {
      CHECK(ThreadCensus::live() == threads_before);
    } else {
      CHECK(ThreadCensus::live() >= threads_before + 2);
      CHECK(ThreadCensus::live() <= threads_before + 3);
    }
    wrapper->fit(batches, 1);  // the next call works
    testing::require_close(wrapper->replica(1).parameters(), testing::values_of(model.parameters()),
                           0.0, 0.0);
  }
  CHECK(sites >= 3);
}

TEST_CASE("replicas average batch norm's running statistics with the parameters",
          "[parallel][threads]") {
  const Data data;
  UpdaterConfig sgd;
  sgd.type = "sgd";
  sgd.learning_rate = 0.1f;
  Network model(
      NetworkBuilder().input({6}).batch_norm().dense(5).output(3).updater(sgd).seed(9).build());
  // One round: each replica sees its own batch, so their statistics differ until averaged.
  InMemoryIterator first(data.features.slice(0, 0, 4), data.labels.slice(0, 0, 4), 4, false, 0);
  InMemoryIterator second(data.features.slice(0, 4, 8), data.labels.slice(0, 4, 8), 4, false, 0);
  Network alone_first(model.config()), alone_second(model.config());
  alone_first.fit(first, 1);
  alone_second.fit(second, 1);
  const std::vector<double> a = testing::values_of(alone_first.state()),
                            b = testing::values_of(alone_second.state());
  REQUIRE(a != b);
  std::vector<double> mean(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) mean[i] = (a[i] + b[i]) / 2.0;
  InMemoryIterator both(data.features.slice(0, 0, 8), data.labels.slice(0, 0, 8), 4, false, 0);
  auto wrapper = ParallelWrapper::Builder(model).workers(2).build();
  wrapper->fit(both, 1);
  testing::require_close(model.state(), mean, 1e-6, 1e-7);
  testing::require_close(wrapper->replica(1).state(), mean, 1e-6, 1e-7);
}
