#include "tools/bench/train_worker.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "kernels/ops.h"
#include "nn/async_iterator.h"
#include "nn/fashion_mnist.h"
#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "tools/bench/batch_window.h"
#include "tools/bench/process_memory.h"

namespace gyre::bench {
namespace {
using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The GEMMs one training step of the MLP needs, called straight on OpenBLAS: forward
// x·W for three layers, backward dW = xᵀ·dz for three and dx = dz·Wᵀ for the upper two,
// on seeded random operands.
class DirectGemmStep {
 public:
  explicit DirectGemmStep(std::int64_t batch) : batch_(batch) {
    std::mt19937 random(7);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    auto fill = [&](std::vector<float>& v, std::size_t n) {
      v.resize(n);
      for (float& x : v) x = uniform(random);
    };
    for (int l = 0; l < 4; ++l) {
      fill(activations_[l], static_cast<std::size_t>(batch * kSizes[l]));
      fill(gradients_[l], activations_[l].size());
    }
    for (int l = 0; l < 3; ++l) {
      fill(weights_[l], static_cast<std::size_t>(kSizes[l] * kSizes[l + 1]));
      fill(weight_gradients_[l], weights_[l].size());
    }
  }

  void operator()() {
    for (int l = 0; l < 3; ++l) {
      gemm(false, false, batch_, kSizes[l + 1], kSizes[l], activations_[l].data(),
           weights_[l].data(), activations_[l + 1].data());
    }
    for (int l = 2; l >= 0; --l) {
      gemm(true, false, kSizes[l], kSizes[l + 1], batch_, activations_[l].data(),
           gradients_[l + 1].data(), weight_gradients_[l].data());
      if (l > 0)
        gemm(false, true, batch_, kSizes[l], kSizes[l + 1], gradients_[l + 1].data(),
             weights_[l].data(), gradients_[l].data());
    }
  }

 private:
  static constexpr std::int64_t kSizes[] = {784, 256, 128, 10};

  static void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const float* a,
                   const float* b, float* c) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a,
                static_cast<blasint>(ta ? m : k), b, static_cast<blasint>(tb ? k : n), 0.0f, c,
                static_cast<blasint>(n));
  }

  std::int64_t batch_;
  std::vector<float> activations_[4], weights_[3], gradients_[4], weight_gradients_[3];
};

// The overhead ratio, measured as BENCHMARKS.md asks of an A/B comparison: windows of
// training steps through fit() alternate with as many direct GEMM steps, and each pair
// gives one ratio, so a change in the machine's speed between pairs cancels out.
std::vector<double> overhead_ratios(nn::Network& network, nn::DataSetIterator& iterator,
                                    std::int64_t batch, int pairs, int steps) {
  DirectGemmStep gemms(batch);
  for (int i = 0; i < 10; ++i) gemms();
  BatchWindow window(iterator, steps);
  auto time_training = [&] {
    const auto start = Clock::now();
    network.fit(window, 1);
    (void)network.score();
    return milliseconds_since(start);
  };
  auto time_gemms = [&] {
    const auto start = Clock::now();
    for (int i = 0; i < steps; ++i) gemms();
    return milliseconds_since(start);
  };
  std::vector<double> ratios;
  for (int pair = 0; pair < pairs; ++pair) {
    // A B, then B A: neither side always runs first.
    double training_ms = 0, gemm_ms = 0;
    if (pair % 2 == 0) {
      training_ms = time_training();
      gemm_ms = time_gemms();
    } else {
      gemm_ms = time_gemms();
      training_ms = time_training();
    }
    ratios.push_back(training_ms / gemm_ms);
  }
  return ratios;
}
}  // namespace

std::string run_gyre_train_worker(const TrainWorkerOptions& options) {
  openblas_set_num_threads(options.threads);
  // Both frameworks keep the images as raw bytes and scale each batch (as torchvision does).
  const nn::LabelledData data = nn::load_fashion_mnist(true, nn::kFashionMnistDirectory, DType::u8);
  nn::InMemoryIterator iterator(data.features, data.labels, options.batch, true, 42);
  nn::Network network(nn::NetworkConfig::mlp());
  for (int i = 0; i < options.warmup; ++i) {
    if (!iterator.has_next()) iterator.reset();
    network.fit(iterator.next().detach());
  }
  // One epoch through fit(), the path users take (each batch is made inside its iteration).
  const std::int64_t iterations_before = network.iteration();
  const auto train_start = Clock::now();
  network.fit(iterator, 1);
  (void)network.score();  // the last loss: waits for the work to finish
  const double train_ms = milliseconds_since(train_start);
  // How long the steps waited for their batch, and whether the prefetcher had to be moved.
  nn::AsyncIteratorStatistics prefetch;
  if (network.prefetcher() != nullptr) prefetch = network.prefetcher()->statistics();
  const auto done = static_cast<double>(network.iteration() - iterations_before);
  const auto examples = static_cast<double>(iterator.total_examples());

  nn::InMemoryIterator first_examples(data.features, data.labels, 256, false, 0);
  const Tensor batch256 = first_examples.next().features;  // detached (no scope is open)
  const Tensor one = batch256.slice(0, 0, 1);
  std::vector<double> latencies;
  for (int i = 0; i < 50; ++i) network.output(one);
  for (int i = 0; i < 1000; ++i) {
    const auto start = Clock::now();
    network.output(one);
    latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::nth_element(latencies.begin(), latencies.begin() + 500, latencies.end());
  for (int i = 0; i < 5; ++i) network.output(batch256);
  const auto inference_start = Clock::now();
  for (int i = 0; i < 100; ++i) network.output(batch256);
  const double inference_ms = milliseconds_since(inference_start);

  const double peak_rss = peak_rss_mib();  // before the overhead pairs' own GEMM operands
  nlohmann::json result = {
      {"framework", "gyre"},
      {"batch", options.batch},
      {"threads", options.threads},
      {"step_ms", train_ms / done},
      {"samples_per_s", examples / (train_ms / 1000.0)},
      {"prefetch_wait_ms_per_step",
       std::chrono::duration<double, std::milli>(prefetch.consumer_wait).count() /
           static_cast<double>(std::max<std::uint64_t>(prefetch.batches, 1))},
      {"prefetcher_moves", prefetch.producer_moves},
      {"latency_batch1_us", latencies[500]},
      {"inference_batch256_samples_per_s", 256.0 * 100 / (inference_ms / 1000.0)},
      {"overhead_ratios",
       overhead_ratios(network, iterator, options.batch, options.overhead_pairs, 64)},
      {"peak_rss_mib", peak_rss}};
  return result.dump();
}

}  // namespace gyre::bench
