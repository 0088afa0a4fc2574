// [device] ParallelInference on the test device's kind (tests/support/test_device.h), one
// replica per device, with device inputs written on the callers' own streams: the hand-off
// through events gives the CPU's answers, and the events come from a pool.
#include <algorithm>
#include <catch2/catch.hpp>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "kernels/ops.h"
#include "parallel/parallel_inference.h"
#include "runtime/stream.h"
#include "runtime/tensor_copy.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/parallel_run.h"
#include "tests/support/test_device.h"

using namespace gyre;
using namespace gyre::nn;
using namespace gyre::parallel;

TEST_CASE(
    "device inputs handed over from other streams are answered as on the CPU, with pooled "
    "events",
    "[device][parallel]") {
  const Device device = testing::test_device();
  const NetworkConfig config =
      NetworkBuilder().input({20}).dense(16).dense(12).output(5).seed(3).build();
  Network cpu(config), accelerated(config, device);
  auto inference = ParallelInference::Builder(accelerated)
                       .inference_mode(InferenceMode::BATCHED)
                       .batch_limit(16)
                       .build();
  CHECK(inference->workers() == testing::test_device_count());
  const int clients = 4, per_client = 50;
  std::vector<std::vector<double>> answers(clients * per_client);
  std::vector<Device> answered_on(clients * per_client);
  testing::run_in_parallel(clients, [&](int c) {
    const DeviceGuard on_device(device);
    OwnedStream stream(device);
    const StreamGuard on_own_stream(stream);
    for (int i = 0; i < per_client; ++i) {
      const int index = c * per_client + i;
      // Written by a kernel on this client's stream, still running at submit().
      const Tensor input = Tensor::empty_detached({2, 20}, DType::f32, device);
      kernels::fill_uniform(input, -1.0f, 1.0f, static_cast<std::uint64_t>(index));
      const Tensor output = inference->output(input);
      answered_on[index] = output.device();
      answers[index] = testing::values_of(output);
    }
  });
  // Answers are detached on the model's device, whichever replica computed them.
  const auto elsewhere = std::find_if(answered_on.begin(), answered_on.end(),
                                      [&](Device answered) { return answered != device; });
  if (elsewhere != answered_on.end()) {
    UNSCOPED_INFO("e.g. request " << (elsewhere - answered_on.begin()) << " was answered on "
                                  << *elsewhere);
  }
  CHECK(std::count(answered_on.begin(), answered_on.end(), device) == clients * per_client);
  // At most one event per request in flight at once (one per client), reused after.
  const InferenceStatistics statistics = inference->statistics();
  CHECK(statistics.requests == static_cast<std::uint64_t>(clients * per_client));
  CHECK(statistics.handoff_events >= 1);
  CHECK(statistics.handoff_events <= static_cast<std::uint64_t>(clients));
  for (int index = 0; index < clients * per_client; ++index) {
    const Tensor input = Tensor::empty_detached({2, 20}, DType::f32, Device::cpu());
    kernels::fill_uniform(input, -1.0f, 1.0f, static_cast<std::uint64_t>(index));
    INFO("request " << index << ", answered on " << answered_on[index]);
    testing::require_close(answers[index], testing::values_of(cpu.output(input)), 1e-5, 1e-6);
  }
}

// Workers on one device must not share the legacy default stream (their
// batches would serialize, and each would wait for the others' work).
TEST_CASE("each inference worker runs on a stream of its own", "[device][parallel]") {
  const Device device = testing::test_device();
  const int devices = testing::test_device_count();
  Network model(NetworkBuilder().input({20}).dense(16).output(5).seed(3).build(), device);
  std::mutex mutex;
  std::map<std::thread::id, std::vector<Stream>> streams_of;  // each worker's current streams
  auto inference = ParallelInference::Builder(model)
                       .workers(2 * devices)  // two per device
                       .inference_mode(InferenceMode::SEQUENTIAL)
                       .before_batch([&](std::int64_t) {
                         std::vector<Stream> own;
                         for (int d = 0; d < devices; ++d) {
                           const Stream stream = Stream::current(testing::test_device(d));
                           if (stream.handle() != nullptr) own.push_back(stream);
                         }
                         const std::lock_guard<std::mutex> lock(mutex);
                         streams_of[std::this_thread::get_id()] = own;
                       })
                       .build();
  testing::run_in_parallel(4, [&](int c) {
    for (int i = 0; i < 25; ++i)
      (void)inference->output(
          testing::random_tensor({1, 20}, static_cast<std::uint32_t>(c * 25 + i)));
  });
  REQUIRE_FALSE(streams_of.empty());
  std::vector<Stream> all;
  for (const auto& [thread, own] : streams_of) {
    CHECK(own.size() == 1);  // a stream of its own, on its replica's device
    all.insert(all.end(), own.begin(), own.end());
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = i + 1; j < all.size(); ++j) CHECK(all[i] != all[j]);
  }
}
