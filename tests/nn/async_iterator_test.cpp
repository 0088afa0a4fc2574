// The prefetching iterator's contract (issue "Asynchronous prefetch"), run under TSan in CI.
#include "nn/async_iterator.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "runtime/error.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/eventually.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/strict_logging.h"
#include "tests/support/thread_affinity.h"

using namespace gyre;
using namespace gyre::nn;

namespace {
struct Data {
  Tensor features = testing::random_tensor({100, 6}, 1);
  Tensor labels = testing::random_tensor({100, 2}, 2);
};

std::vector<double> first_values(DataSetIterator& iterator) {
  std::vector<double> values;
  while (iterator.has_next()) {
    const DataSet batch = iterator.next();
    values.push_back(batch.features.data<float>()[0]);
    values.push_back(batch.labels.data<float>()[batch.labels.numel() - 1]);
  }
  return values;
}

// A source that fails on its third batch.
class FailingSource final : public DataSetIterator {
 public:
  bool has_next() override { return true; }
  DataSet next() override {
    if (++served_ == 3) throw std::runtime_error("disk on fire");
    return {Tensor::empty({2, 2}), Tensor::empty({2, 1})};
  }
  void reset() override { served_ = 0; }
  std::int64_t batch() const override { return 2; }
  std::int64_t total_examples() const override { return 1000; }

 private:
  int served_ = 0;
};
}  // namespace

TEST_CASE("the async iterator yields the source's batches in order, every epoch",
          "[nn][async][threads]") {
  Data data;
  InMemoryIterator plain(data.features, data.labels, 16, true, 5),
      source(data.features, data.labels, 16, true, 5);
  AsyncDataSetIterator async(source, 2);
  const auto expected = first_values(plain);
  CHECK(first_values(async) == expected);
  plain.reset();
  async.reset();
  CHECK(first_values(async) == first_values(plain));
  const AsyncIteratorStatistics statistics = async.statistics();
  CHECK(statistics.batches == 14);
  CHECK(statistics.ring_bytes > 0);
  CHECK_FALSE(async.async_supported());
}

TEST_CASE("a batch is valid until the following next(), and detach() keeps one",
          "[nn][async][threads]") {
  Data data;
  InMemoryIterator source(data.features, data.labels, 10, false, 0);
  AsyncDataSetIterator async(source, 2);
  const DataSet first = async.next();
  const DataSet kept = first.detach();
  const float value = first.features.data<float>()[0];
  CHECK(first.features.is_valid());
  const DataSet second = async.next();
  CHECK_FALSE(first.features.is_valid());
  CHECK_THROWS_AS(first.features.data_ptr(), WorkspaceError);
  CHECK_THROWS_WITH(first.features.data_ptr(),
                    Catch::Matchers::Contains("ring region was released"));
  CHECK(kept.features.data<float>()[0] == value);
  CHECK(second.features.is_valid());
}

TEST_CASE("reset() in the middle of an epoch starts it again", "[nn][async][threads]") {
  Data data;
  InMemoryIterator source(data.features, data.labels, 10, false, 0);
  AsyncDataSetIterator async(source, 3);
  async.next();
  async.next();
  async.reset();
  int batches = 0;
  while (async.has_next()) {
    async.next();
    ++batches;
  }
  CHECK(batches == 10);
  CHECK_THROWS_AS(async.next(), InvalidArgumentError);
}

TEST_CASE("destroying the iterator while its producer waits for a free slot does not hang",
          "[nn][async][threads]") {
  Data data;
  InMemoryIterator source(data.features, data.labels, 5, false, 0);
  for (int i = 0; i < 20; ++i) {
    source.reset();
    AsyncDataSetIterator async(source, 1);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(1));  // the producer fills its one slot and waits
    if (i % 2 == 0) async.next();
  }
  SUCCEED("twenty iterators destroyed with their producers blocked");
}

TEST_CASE("an exception in the producer reaches the consumer at its next call",
          "[nn][async][threads]") {
  FailingSource source;
  AsyncDataSetIterator async(source, 4);
  CHECK_NOTHROW(async.next());
  CHECK_NOTHROW(async.next());
  CHECK_THROWS_WITH(async.next(), "disk on fire");
  CHECK_THROWS_WITH(async.has_next(), "disk on fire");
  source.reset();
  async.reset();
  CHECK_NOTHROW(async.next());
}

namespace {
// A source that counts its calls and remembers which thread made them; `delay` makes each
// batch slow to prepare, and batch i of an epoch has `rows(i)` examples.
class ProbeSource final : public DataSetIterator {
 public:
  explicit ProbeSource(int batches, std::chrono::microseconds delay = {},
                       std::int64_t (*rows)(int) = nullptr)
      : batches_(batches), delay_(delay), rows_(rows) {}
  bool has_next() override { return served_ < batches_; }
  DataSet next() override {
    caller_ = std::this_thread::get_id();
    calls_.fetch_add(1);
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    const std::int64_t rows = rows_ != nullptr ? rows_(served_) : 4;
    DataSet batch{Tensor::empty({rows, 3}), Tensor::empty({rows, 2})};
    for (std::int64_t i = 0; i < batch.features.numel(); ++i)
      batch.features.data<float>()[i] = static_cast<float>(served_);
    for (std::int64_t i = 0; i < batch.labels.numel(); ++i) batch.labels.data<float>()[i] = 0.0f;
    batch.labels.data<float>()[0] = 1.0f;
    ++served_;
    return batch;
  }
  void reset() override { served_ = 0; }
  std::int64_t batch() const override { return 4; }
  std::int64_t total_examples() const override { return 4 * batches_; }

  std::thread::id caller() const { return caller_; }
  int calls() const { return calls_.load(); }

 private:
  int batches_;
  std::chrono::microseconds delay_;
  std::int64_t (*rows_)(int);
  int served_ = 0;
  std::atomic<int> calls_{0};
  std::thread::id caller_;
};
}  // namespace

TEST_CASE("pause() leaves the source alone and restart() moves to another source",
          "[nn][async][threads]") {
  ProbeSource first(6), second(3);
  AsyncDataSetIterator async(first, 2);
  CHECK(async.next().features.data<float>()[0] == 0.0f);
  async.pause();
  const int calls = first.calls();
  REQUIRE(testing::eventually([&] { return async.producer_parked(); }));
  CHECK(first.calls() == calls);  // idle: the caller may destroy the source now
  CHECK_FALSE(async.has_next());
  async.restart(second);
  int batches = 0;
  while (async.has_next()) {
    CHECK(async.next().features.data<float>()[0] == static_cast<float>(batches));
    ++batches;
  }
  CHECK(batches == 3);
  CHECK(async.statistics().batches == 4);
}

TEST_CASE("an iterator made idle waits for restart() before it reads its source",
          "[nn][async][threads]") {
  ProbeSource source(3);
  AsyncDataSetIterator async(source, 2, Device::cpu(), false);
  REQUIRE(testing::eventually([&] { return async.producer_parked(); }));
  CHECK(source.calls() == 0);
  CHECK_FALSE(async.has_next());
  async.reset();
  CHECK(async.has_next());
}

TEST_CASE("after the first epoch, further epochs allocate no heap memory on any thread",
          "[nn][async][threads]") {
  Data data;
  InMemoryIterator source(data.features, data.labels, 10, true, 3);
  AsyncDataSetIterator async(source, 3);
  auto epoch = [&] {
    async.reset();
    while (async.has_next()) async.next();
  };
  epoch();
  epoch();  // the ring has its size after the first
  const std::uint64_t growths = async.statistics().ring_growths;
  testing::ProcessAllocationCounter counter;
  for (int i = 0; i < 3; ++i) epoch();
  CHECK(counter.count() == 0);
  CHECK(async.statistics().ring_growths == growths);
}

TEST_CASE("the ring grows when a larger batch arrives and never overwrites a held batch",
          "[nn][async][threads]") {
  testing::allow_warnings(8);  // each growth is logged
  ProbeSource source(12, {}, [](int i) -> std::int64_t { return 4 + 16 * i; });
  AsyncDataSetIterator async(source, 2);
  DataSet held = async.next();
  for (int i = 1; i < 12; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // let the producer run ahead
    // The batch handed out last is intact while the producer fills (and grows) the ring.
    CHECK(held.features.data<float>()[held.features.numel() - 1] == static_cast<float>(i - 1));
    held = async.next();
    CHECK(held.examples() == 4 + 16 * i);
  }
  const AsyncIteratorStatistics statistics = async.statistics();
  CHECK(statistics.ring_growths >= 1);
  CHECK(statistics.ring_bytes >= static_cast<std::size_t>((4 + 16 * 11) * 5 * sizeof(float)));
}

TEST_CASE("statistics: a slow consumer makes the producer wait, a slow source the consumer",
          "[nn][async][threads]") {
  {
    ProbeSource source(6);
    AsyncDataSetIterator async(source, 1);
    while (async.has_next()) {
      async.next();
      std::this_thread::sleep_for(std::chrono::milliseconds(3));  // a slow training step
    }
    const AsyncIteratorStatistics statistics = async.statistics();
    CHECK(statistics.producer_wait >= std::chrono::milliseconds(5));
    CHECK(statistics.consumer_wait < statistics.producer_wait);
  }
  {
    ProbeSource source(6, std::chrono::milliseconds(3));  // slow preparation
    AsyncDataSetIterator async(source, 2);
    while (async.has_next()) async.next();
    const AsyncIteratorStatistics statistics = async.statistics();
    CHECK(statistics.consumer_wait >= std::chrono::milliseconds(10));
    CHECK(statistics.producer_wait < statistics.consumer_wait);
  }
}

TEST_CASE("fit() prefetches a source that supports it; the shield and prefetch 0 opt out",
          "[nn][async][threads]") {
  const std::thread::id self = std::this_thread::get_id();
  {
    Network network(NetworkBuilder().input({3}).output(2).build());
    ProbeSource source(5);
    network.fit(source, 2);
    CHECK(source.caller() != self);  // read on the prefetch thread
    REQUIRE(network.prefetcher() != nullptr);
    CHECK(network.prefetcher()->statistics().batches == 10);
    CHECK(network.iteration() == 10);
    const int calls = source.calls();
    REQUIRE(testing::eventually([&] { return network.prefetcher()->producer_parked(); }));
    CHECK(source.calls() == calls);  // after fit() the source is left alone
  }
  {
    Network network(NetworkBuilder().input({3}).output(2).build());
    ProbeSource source(5);
    AsyncShieldDataSetIterator shield(source);
    network.fit(shield, 1);
    CHECK(source.caller() == self);
    CHECK(network.prefetcher() == nullptr);
    CHECK(network.iteration() == 5);
  }
  {
    Network network(NetworkBuilder().input({3}).output(2).prefetch(0).build());
    ProbeSource source(5);
    network.fit(source, 1);
    CHECK(source.caller() == self);
    CHECK(network.prefetcher() == nullptr);
  }
}

TEST_CASE("a failure in training leaves the prefetcher idle and the next fit() works",
          "[nn][async][threads]") {
  Network network(NetworkBuilder().input({3}).output(2).build());
  Data data;  // 6 features: the network wants 3
  InMemoryIterator mismatched(data.features, data.labels, 10, false, 0);
  CHECK_THROWS_AS(network.fit(mismatched, 1), Error);
  ProbeSource source(3);
  network.fit(source, 1);
  CHECK(network.iteration() == 3);
}

TEST_CASE("production held back resumes when allowed, and never starves the consumer",
          "[nn][async][threads]") {
  Data data;
  InMemoryIterator plain(data.features, data.labels, 10, false, 0);
  class Counting final : public DataSetIterator {  // counts the batches the producer pulls
   public:
    explicit Counting(DataSetIterator& source) : source_(source) {}
    bool has_next() override { return source_.has_next(); }
    DataSet next() override {
      ++pulled;
      return source_.next();
    }
    void reset() override { source_.reset(); }
    std::int64_t batch() const override { return source_.batch(); }
    std::int64_t total_examples() const override { return source_.total_examples(); }
    std::atomic<int> pulled{0};

   private:
    DataSetIterator& source_;
  } source(plain);
  auto pulled_becomes = [&](int expected) {
    return testing::eventually([&] { return source.pulled.load() == expected; });
  };
  AsyncDataSetIterator async(source, 3);
  REQUIRE(pulled_becomes(3));  // the queue is full
  async.allow_production(false);
  (void)async.next();  // frees a slot, but production is held back with batches ready
  REQUIRE(testing::eventually([&] { return async.producer_parked(); }));
  CHECK(source.pulled.load() == 3);
  async.allow_production(true);
  CHECK(pulled_becomes(4));
  async.allow_production(false);
  int consumed = 1;
  while (async.has_next()) {  // held back, yet an empty queue is always refilled
    (void)async.next();
    ++consumed;
  }
  CHECK(consumed == 10);
  async.reset();  // restart allows production again
  CHECK(first_values(async).size() == 20);
}

TEST_CASE("allowing production from the producer's CPU moves the producer off it",
          "[nn][async][threads]") {
  // A producer sharing the consumer's CPU runs only while the consumer waits for it.
  const testing::ScopedAffinity affinity;
  REQUIRE(CPU_COUNT(&affinity.given()) > 0);  // the thread's CPUs were read
  if (CPU_COUNT(&affinity.given()) < 2) {
    WARN("one CPU: there is no other CPU to move the producer to");
    return;
  }
  Data data;
  InMemoryIterator source(data.features, data.labels, 2, false, 0);  // 50 batches
  AsyncDataSetIterator async(source, 2);
  (void)async.next();
  int avoided = -1;
  for (int attempt = 0; attempt < 20 && async.statistics().producer_moves == 0; ++attempt) {
    // Join the producer on the CPU of its last batch (it may make one more meanwhile: retry).
    avoided = async.statistics().producer_cpu;
    REQUIRE(avoided >= 0);
    REQUIRE(testing::ScopedAffinity::pin_to(avoided));
    async.allow_production(false);
    async.allow_production(true);
  }
  REQUIRE(async.statistics().producer_moves == 1);
  for (int i = 0; i < 5; ++i) (void)async.next();  // batches made since the move
  CHECK(async.statistics().producer_cpu != avoided);
  async.allow_production(false);  // it is off this CPU now: no second move
  async.allow_production(true);
  CHECK(async.statistics().producer_moves == 1);
  while (async.has_next()) (void)async.next();
  CHECK(async.statistics().batches == 50);
}
