// [device] the prefetcher's accelerator path (tests/support/test_device.h): host batches made
// in the ring's pinned staging memory, copied on the producer's copy stream into the ring's
// device memory, consumed after an event wait.
#include <catch2/catch.hpp>
#include <cmath>

#include "nn/async_iterator.h"
#include "nn/in_memory_iterator.h"
#include "nn/multi_data_set_adapter.h"
#include "nn/network.h"
#include "nn/sequence_iterator.h"
#include "runtime/stream.h"
#include "runtime/tensor_copy.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/test_device.h"
#include "workspace/workspace_manager.h"

using namespace gyre;
using namespace gyre::nn;

namespace {

void check_ring(Device device) {
  INFO("prefetching to " << device);
  const Tensor features = testing::random_tensor({96, 5}, 7),
               labels = testing::random_tensor({96, 3}, 8);
  InMemoryIterator plain(features, labels, 16, true, 4), source(features, labels, 16, true, 4);
  // The consumer: next() orders the batch's copy before work on this thread's current stream
  // of the device, and a batch's release is recorded there, which needs the device current.
  const DeviceGuard consumer(device);
  AsyncDataSetIterator async(source, 2, device);
  CHECK(async.device() == device);
  int batches = 0;
  while (async.has_next()) {
    const DataSet expected = plain.next();
    const DataSet batch = async.next();
    CHECK(batch.features.device() == device);
    CHECK(batch.labels.device() == device);
    testing::require_close(testing::on_host(batch.features), testing::values_of(expected.features),
                           0.0, 0.0);
    testing::require_close(testing::on_host(batch.labels), testing::values_of(expected.labels), 0.0,
                           0.0);
    ++batches;
  }
  CHECK(batches == 6);
  // After the first epoch the ring (device and pinned) keeps its size.
  const AsyncIteratorStatistics first = async.statistics();
  CHECK(first.ring_bytes > 0);
  for (int epoch = 0; epoch < 3; ++epoch) {
    async.reset();
    while (async.has_next()) async.next();
  }
  CHECK(async.statistics().ring_growths == first.ring_growths);
  CHECK(async.statistics().ring_bytes == first.ring_bytes);
}
}  // namespace

TEST_CASE("host batches reach the device through the pinned ring, in order and intact",
          "[device][nn][async]") {
  check_ring(testing::test_device());
  if (testing::test_device_count() < 2) {
    WARN("one " << name_of(testing::device_kind()) << " device: only device 0 checked");
    return;
  }
  // A device other than the one a new thread starts on: the producer must select it.
  check_ring(testing::test_device(testing::test_device_count() - 1));
}

TEST_CASE("a device network trains from host data through the prefetcher as the CPU does",
          "[device][nn][async]") {
  const Device device = testing::test_device();
  const NetworkConfig config = NetworkBuilder().input({5}).dense(8).output(3).seed(2).build();
  const Tensor features = testing::random_tensor({64, 5}, 3, 0.0f, 1.0f);
  Tensor labels = Tensor::empty_detached({64, 3}, DType::f32, Device::cpu());
  for (int r = 0; r < 64; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c;
  }
  Network cpu(config), accelerated(config, device);
  InMemoryIterator cpu_data(features, labels, 16, true, 1),
      host_data(features, labels, 16, true, 1);
  const std::vector<double> initial = testing::values_of(cpu.parameters());
  cpu.fit(cpu_data, 2);
  accelerated.fit(host_data, 2);  // host batches: only the prefetcher's copies bring them over
  REQUIRE(accelerated.prefetcher() != nullptr);
  CHECK(accelerated.prefetcher()->device() == device);
  CHECK(accelerated.prefetcher()->statistics().batches > 0);
  const std::vector<double> trained = testing::values_of(cpu.parameters());
  CHECK(trained != initial);
  testing::require_close(testing::on_host(accelerated.parameters()), trained, 1e-3, 1e-4);
}

TEST_CASE("masked time series reach the device with their masks",
          "[device][nn][async][recurrent]") {
  const Device device = testing::test_device();
  const Tensor features = testing::random_tensor({48, 5 * 3}, 31, 0.5f, 1.0f),
               labels = testing::random_tensor({48, 2}, 32);
  InMemoryIterator plain_rows(features, labels, 16, false, 0), rows(features, labels, 16, false, 0);
  // Neither is reset: both draw their first epoch from the seed itself.
  RandomLengthSequences plain(plain_rows, 5, 3, 2, 9), source(rows, 5, 3, 2, 9);
  const DeviceGuard consumer(device);
  AsyncDataSetIterator async(source, 2, device);
  int batches = 0;
  while (async.has_next()) {
    const DataSet expected = plain.next();
    const DataSet batch = async.next();
    REQUIRE(batch.features_mask.defined());
    CHECK(batch.features_mask.device() == device);
    testing::require_close(testing::on_host(batch.features_mask),
                           testing::values_of(expected.features_mask), 0.0, 0.0);
    testing::require_close(testing::on_host(batch.features), testing::values_of(expected.features),
                           0.0, 0.0);
    ++batches;
  }
  CHECK(batches == 3);
}

TEST_CASE(
    "a device graph trains on MultiDataSets through the prefetcher; past the longest "
    "batch no ring or workspace grows, device or pinned",
    "[device][nn][async][multi][recurrent]") {
  const Device device = testing::test_device();
  const Tensor features = testing::random_tensor({48, 6 * 3}, 41, 0.5f, 1.0f),
               labels = testing::random_tensor({48, 2}, 42);
  InMemoryIterator plain_rows(features, labels, 16, false, 0), rows(features, labels, 16, false, 0);
  // The same cuts every epoch: the first epoch has seen the longest batch.
  RandomLengthSequences plain(plain_rows, 6, 3, 2, 9, false), cut(rows, 6, 3, 2, 9, false);
  MultiDataSetIteratorAdapter source(cut);
  const DeviceGuard consumer(device);
  {
    AsyncMultiDataSetIterator async(source, 2, device);
    int batches = 0;
    while (async.has_next()) {
      const DataSet expected = plain.next();
      const MultiDataSet& batch = async.next();
      REQUIRE(batch.features_masks.size() == 1);
      CHECK(batch.features[0].device() == device);
      CHECK(batch.features_masks[0].device() == device);
      testing::require_close(testing::on_host(batch.features[0]),
                             testing::values_of(expected.features), 0.0, 0.0);
      testing::require_close(testing::on_host(batch.features_masks[0]),
                             testing::values_of(expected.features_mask), 0.0, 0.0);
      ++batches;
    }
    CHECK(batches == 3);
  }
  Network network(NetworkBuilder()
                      .graph_input("x", {6, 3})
                      .vertex("h", {{"type", "gru"}, {"units", 5}}, {"x"})
                      .vertex("out", {{"type", "output"}, {"units", 2}, {"loss", "mse"}}, {"h"})
                      .seed(4)
                      .build(),
                  device);
  network.fit(source, 2);
  REQUIRE(network.prefetcher() != nullptr);
  auto growths = [&] {
    std::uint64_t count = network.prefetcher()->statistics().ring_growths;
    for (const WorkspaceStatistics& workspace : WorkspaceManager::for_device(device).statistics())
      for (const ArenaStatistics& arena : workspace.arenas)
        count += arena.spill_count + arena.resize_count;
    return count;
  };
  const std::uint64_t before = growths();
  const std::size_t ring_bytes = network.prefetcher()->statistics().ring_bytes;
  network.fit(source, 3);
  CHECK(growths() == before);
  CHECK(network.prefetcher()->statistics().ring_bytes == ring_bytes);
  CHECK(network.iteration() == 15);
  CHECK(std::isfinite(network.score()));
}
