// gyre-torch-bench: the libtorch side of `gyre bench train --vs-libtorch`. The same MLP
// (784-256-128-10, ReLU, softmax cross-entropy, Adam lr 1e-3), the same Fashion-MNIST data
// (read with Gyre's IDX reader), one timed epoch of shuffled batches after a warm-up, the
// same inference measurements; prints one JSON line like Gyre's worker.
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "nn/fashion_mnist.h"
#include "tools/bench/process_memory.h"

namespace {
using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"libtorch side of gyre bench train"};
  std::int64_t batch = 128;
  int threads = 1, warmup = 20;
  std::string representation = "u8";
  app.add_option("--batch", batch);
  app.add_option("--threads", threads);
  app.add_option("--warmup", warmup);
  app.add_option("--data", representation,
                 "u8: raw bytes scaled per batch; f32: scaled once, held as floats")
      ->check(CLI::IsMember({"u8", "f32"}));
  CLI11_PARSE(app, argc, argv);

  torch::set_num_threads(threads);
  torch::manual_seed(42);
  // The images stay raw bytes and each batch is scaled on the way (as torchvision does, and
  // as Gyre's worker does).
  torch::Tensor images, labels;
  {
    const gyre::nn::LabelledData data =
        gyre::nn::load_fashion_mnist(true, gyre::nn::kFashionMnistDirectory, gyre::DType::u8);
    const std::int64_t examples = data.features.shape().dim(0);
    images = torch::from_blob(const_cast<std::uint8_t*>(data.features.data<std::uint8_t>()),
                              {examples, 784}, torch::kUInt8)
                 .clone();
    labels = torch::from_blob(const_cast<float*>(data.labels.data<float>()), {examples, 10},
                              torch::kFloat32)
                 .argmax(1);
  }
  const std::int64_t count = images.size(0);
  // f32: libtorch's fastest path (no per-batch conversion), at four times the data memory.
  if (representation == "f32") images = images.to(torch::kFloat32).div_(255.0f);
  auto scaled = [&](const torch::Tensor& batch) {
    return representation == "f32" ? batch : batch.to(torch::kFloat32).div_(255.0f);
  };
  torch::nn::Sequential model(torch::nn::Linear(784, 256), torch::nn::ReLU(),
                              torch::nn::Linear(256, 128), torch::nn::ReLU(),
                              torch::nn::Linear(128, 10));
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  auto step = [&](const torch::Tensor& x, const torch::Tensor& y) {
    optimizer.zero_grad();
    const torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    optimizer.step();
    return loss;
  };
  for (int i = 0; i < warmup; ++i)
    step(scaled(images.slice(0, 0, batch)), labels.slice(0, 0, batch));
  const torch::Tensor order = torch::randperm(count, torch::kLong);
  const auto train_start = Clock::now();
  std::int64_t iterations = 0;
  torch::Tensor loss;
  for (std::int64_t first = 0; first < count; first += batch) {
    const torch::Tensor indices = order.slice(0, first, std::min(first + batch, count));
    loss = step(scaled(images.index_select(0, indices)), labels.index_select(0, indices));
    ++iterations;
  }
  (void)loss.item<float>();
  const double train_ms = milliseconds_since(train_start);

  model->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor batch256 = scaled(images.slice(0, 0, 256)), one = batch256.slice(0, 0, 1);
  for (int i = 0; i < 50; ++i) model->forward(one);
  std::vector<double> latencies;
  for (int i = 0; i < 1000; ++i) {
    const auto start = Clock::now();
    (void)model->forward(one);
    latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::nth_element(latencies.begin(), latencies.begin() + 500, latencies.end());
  for (int i = 0; i < 5; ++i) model->forward(batch256);
  const auto inference_start = Clock::now();
  for (int i = 0; i < 100; ++i) (void)model->forward(batch256);
  const double inference_ms = milliseconds_since(inference_start);

  const nlohmann::json result = {
      {"framework", "libtorch"},
      {"data", representation},
      {"batch", batch},
      {"threads", threads},
      {"step_ms", train_ms / static_cast<double>(iterations)},
      {"samples_per_s", static_cast<double>(count) / (train_ms / 1000.0)},
      {"latency_batch1_us", latencies[500]},
      {"inference_batch256_samples_per_s", 256.0 * 100 / (inference_ms / 1000.0)},
      {"peak_rss_mib", gyre::bench::peak_rss_mib()}};
  std::cout << result.dump() << "\n";
  return 0;
}
