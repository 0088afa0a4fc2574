// [cuda] the prefetcher's device path: host batches made in the ring's pinned mirror, copied
// on the producer's copy stream into the ring's device memory, consumed after an event wait.
#include <catch2/catch.hpp>

#include "nn/async_iterator.h"
#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::nn;

TEST_CASE("host batches reach the device through the pinned ring, in order and intact",
          "[cuda][nn][async]") {
  const Tensor features = testing::random_tensor({96, 5}, 7),
               labels = testing::random_tensor({96, 3}, 8);
  InMemoryIterator plain(features, labels, 16, true, 4), source(features, labels, 16, true, 4);
  AsyncDataSetIterator async(source, 2, Device::cuda(0));
  int batches = 0;
  while (async.has_next()) {
    const DataSet expected = plain.next();
    const DataSet batch = async.next();
    CHECK(batch.features.device() == Device::cuda(0));
    CHECK(batch.labels.device() == Device::cuda(0));
    testing::require_close(batch.features, testing::values_of(expected.features), 0.0, 0.0);
    testing::require_close(batch.labels, testing::values_of(expected.labels), 0.0, 0.0);
    ++batches;
  }
  CHECK(batches == 6);
  // After the first epoch the ring (device and pinned) keeps its size.
  const AsyncIteratorStatistics first = async.statistics();
  for (int epoch = 0; epoch < 3; ++epoch) {
    async.reset();
    while (async.has_next()) async.next();
  }
  CHECK(async.statistics().ring_growths == first.ring_growths);
  CHECK(async.statistics().ring_bytes == first.ring_bytes);
}

TEST_CASE("a CUDA network trains from host data through the prefetcher as the CPU does",
          "[cuda][nn][async]") {
  const NetworkConfig config = NetworkBuilder().input({5}).dense(8).output(3).seed(2).build();
  const Tensor features = testing::random_tensor({64, 5}, 3, 0.0f, 1.0f);
  Tensor labels = Tensor::empty_detached({64, 3});
  for (int r = 0; r < 64; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c;
  }
  Network cpu(config), gpu(config, Device::cuda(0));
  InMemoryIterator cpu_data(features, labels, 16, true, 1),
      host_data(features, labels, 16, true, 1);
  cpu.fit(cpu_data, 2);
  gpu.fit(host_data, 2);  // host batches: only the prefetcher's copies bring them to the GPU
  REQUIRE(gpu.prefetcher() != nullptr);
  CHECK(gpu.prefetcher()->device() == Device::cuda(0));
  testing::require_close(gpu.parameters(), testing::values_of(cpu.parameters()), 1e-3, 1e-4);
}
