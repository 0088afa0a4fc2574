// The prefetching iterator's contract (issue "Asynchronous prefetch"), run under TSan in CI.
#include "nn/async_iterator.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "nn/in_memory_iterator.h"
#include "runtime/error.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/strict_logging.h"

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
