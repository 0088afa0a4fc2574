// [device] ParallelWrapper with replicas on the test device's kind (tests/support/test_device.h),
// one per device: averaged SGD equals one CPU network on the concatenated batch, through the
// device collective (NCCL on GPUs, SimCommunicator on sim) when each worker has a device of
// its own, through host mirrors otherwise.
#include <algorithm>
#include <catch2/catch.hpp>

#include "nn/in_memory_iterator.h"
#include "parallel/parallel_wrapper.h"
#include "runtime/stream.h"
#include "runtime/tensor_copy.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/test_device.h"

using namespace gyre;
using namespace gyre::nn;
using namespace gyre::parallel;

TEST_CASE("device workers train as one CPU network on the concatenated batch",
          "[device][parallel]") {
  const Device device = testing::test_device();
  UpdaterConfig sgd;
  sgd.type = "sgd";
  sgd.learning_rate = 0.1f;
  const NetworkConfig chain =
      NetworkBuilder().input({6}).dense(5, "tanh").output(3).updater(sgd).seed(9).build();
  // A residual graph: x + tanh(W x + b), then the output layer.
  const NetworkConfig graph =
      NetworkBuilder()
          .graph_input("x", {6})
          .vertex("h", {{"type", "dense"}, {"units", 6}, {"activation", "tanh"}}, {"x"})
          .vertex("r", {{"type", "add"}}, {"x", "h"})
          .vertex("out", {{"type", "output"}, {"units", 3}}, {"r"})
          .updater(sgd)
          .seed(9)
          .build();
  const NetworkConfig config = GENERATE_COPY(chain, graph);
  INFO((config.sequential() ? "sequential" : "residual graph"));
  const Tensor features = testing::random_tensor({40, 6}, 11);
  Tensor labels = Tensor::empty_detached({40, 3}, DType::f32, Device::cpu());
  for (int r = 0; r < 40; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c ? 1.0f : 0.0f;
  }
  if (testing::test_device_count() < 2)
    WARN("one " << name_of(testing::device_kind()) << " device: the replicas share it");
  const int workers = std::max(2, testing::test_device_count());
  Network reference(config);
  InMemoryIterator concatenated(features, labels, 4 * workers, false, 0);
  const std::vector<double> initial = testing::values_of(reference.parameters());
  reference.fit(concatenated, 2);
  const std::vector<double> trained = testing::values_of(reference.parameters());
  CHECK(trained != initial);

  Network model(config, device);
  InMemoryIterator batches(features, labels, 4, false, 0);
  const auto wrapper = ParallelWrapper::Builder(model).workers(workers).build();
  const bool own_devices = testing::test_device_count() >= workers;
  if (own_devices && testing::device_kind() == DeviceType::sim)
    CHECK(std::string(wrapper->averaging()) == "sim");
  if (!own_devices) CHECK(std::string(wrapper->averaging()) == "host mirrors");
  wrapper->fit(batches, 2);
  CHECK(model.device() == device);
  testing::require_close(testing::on_host(model.parameters()), trained, 1e-4, 1e-5);
}

namespace {
// Records the stream each training step of a network ran on.
struct StreamProbe : TrainingListener {
  explicit StreamProbe(Device on) : device(on) {}
  void iteration_done(Network&, std::int64_t, int, std::int64_t) override {
    streams.push_back(Stream::current(device));
  }
  Device device;
  std::vector<Stream> streams;
};
}  // namespace

// A worker trains on a stream of its own, not on the legacy default stream
// that every other worker of its device (and the caller) would share.
TEST_CASE("a training worker runs on a stream of its own", "[device][parallel]") {
  const Device device = testing::test_device();
  Network model(NetworkBuilder().input({6}).dense(5, "tanh").output(3).seed(9).build(), device);
  StreamProbe probe(device);
  model.add_listener(&probe);  // the model is worker 0's replica
  const Tensor features = testing::random_tensor({32, 6}, 11);
  const Tensor labels = testing::random_tensor({32, 3}, 12, 0.0f, 1.0f);
  InMemoryIterator batches(features, labels, 4, false, 0);
  const auto wrapper = ParallelWrapper::Builder(model).workers(2).build();
  wrapper->fit(batches, 1);
  REQUIRE_FALSE(probe.streams.empty());
  for (const Stream stream : probe.streams) {
    CHECK(stream.device() == device);
    CHECK(stream.handle() != nullptr);
    CHECK(stream == probe.streams.front());  // the worker's, every step
  }
  CHECK(Stream::current(device).handle() == nullptr);  // the caller's stream is untouched
}
