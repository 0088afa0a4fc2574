// [cuda] ParallelInference with CUDA inputs written on the callers' own streams: the
// hand-off through events gives the CPU's answers, and the events come from a pool.
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "kernels/ops.h"
#include "parallel/parallel_inference.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::nn;
using namespace gyre::parallel;

TEST_CASE(
    "CUDA inputs handed over from other streams are answered as on the CPU, with pooled "
    "events",
    "[cuda][parallel]") {
  const NetworkConfig config =
      NetworkBuilder().input({20}).dense(16).dense(12).output(5).seed(3).build();
  Network cpu(config), gpu(config, Device::cuda(0));
  auto inference = ParallelInference::Builder(gpu)
                       .inference_mode(InferenceMode::BATCHED)
                       .batch_limit(16)
                       .build();
  const int clients = 4, per_client = 50;
  std::vector<std::thread> threads;
  std::vector<std::vector<double>> answers(clients * per_client);
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      OwnedStream stream(Device::cuda(0));
      const StreamGuard on_own_stream(stream);
      for (int i = 0; i < per_client; ++i) {
        const int index = c * per_client + i;
        // Written by a kernel on this client's stream, still running at submit().
        const Tensor input = Tensor::empty_detached({2, 20}, DType::f32, Device::cuda(0));
        kernels::fill_uniform(input, -1.0f, 1.0f, static_cast<std::uint64_t>(index));
        answers[index] = testing::values_of(inference->output(input));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int index = 0; index < clients * per_client; ++index) {
    const Tensor input = Tensor::empty_detached({2, 20});
    kernels::fill_uniform(input, -1.0f, 1.0f, static_cast<std::uint64_t>(index));
    INFO("request " << index);
    testing::require_close(answers[index], testing::values_of(cpu.output(input)), 1e-5, 1e-6);
  }
  // At most one event per request in flight at once (one per client), reused after.
  const InferenceStatistics statistics = inference->statistics();
  CHECK(statistics.requests == static_cast<std::uint64_t>(clients * per_client));
  CHECK(statistics.handoff_events >= 1);
  CHECK(statistics.handoff_events <= static_cast<std::uint64_t>(clients));
}
