#include "tools/bench/train_worker.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <vector>

#include "kernels/ops.h"
#include "nn/fashion_mnist.h"
#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "tools/bench/process_memory.h"

namespace gyre::bench {
namespace {
using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The GEMMs one training step of the MLP needs, called straight on OpenBLAS: forward
// x·W for three layers, backward dW = xᵀ·dz for three and dx = dz·Wᵀ for the upper two.
double direct_gemm_ms(std::int64_t batch, int repetitions) {
  const std::int64_t sizes[] = {784, 256, 128, 10};
  std::vector<float> activations[4], weights[3], gradients[4], weight_gradients[3];
  for (int l = 0; l < 4; ++l) {
    activations[l].assign(static_cast<std::size_t>(batch * sizes[l]), 0.5f);
    gradients[l].assign(activations[l].size(), 0.25f);
  }
  for (int l = 0; l < 3; ++l) {
    weights[l].assign(static_cast<std::size_t>(sizes[l] * sizes[l + 1]), 0.01f);
    weight_gradients[l].assign(weights[l].size(), 0.0f);
  }
  auto gemm = [](bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const float* a,
                 const float* b, float* c) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a,
                static_cast<blasint>(ta ? m : k), b, static_cast<blasint>(tb ? k : n), 0.0f, c,
                static_cast<blasint>(n));
  };
  auto step = [&] {
    for (int l = 0; l < 3; ++l) {
      gemm(false, false, batch, sizes[l + 1], sizes[l], activations[l].data(), weights[l].data(),
           activations[l + 1].data());
    }
    for (int l = 2; l >= 0; --l) {
      gemm(true, false, sizes[l], sizes[l + 1], batch, activations[l].data(),
           gradients[l + 1].data(), weight_gradients[l].data());
      if (l > 0)
        gemm(false, true, batch, sizes[l], sizes[l + 1], gradients[l + 1].data(), weights[l].data(),
             gradients[l].data());
    }
  };
  for (int i = 0; i < 10; ++i) step();
  const auto start = Clock::now();
  for (int i = 0; i < repetitions; ++i) step();
  return milliseconds_since(start) / repetitions;
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

  nlohmann::json result = {
      {"framework", "gyre"},
      {"batch", options.batch},
      {"threads", options.threads},
      {"step_ms", train_ms / done},
      {"samples_per_s", examples / (train_ms / 1000.0)},
      {"latency_batch1_us", latencies[500]},
      {"inference_batch256_samples_per_s", 256.0 * 100 / (inference_ms / 1000.0)},
      {"gemm_ms", direct_gemm_ms(options.batch, 100)},
      {"peak_rss_mib", peak_rss_mib()}};
  return result.dump();
}

}  // namespace gyre::bench
