#include "tools/bench/gpu_bench.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "kernels/ops.h"
#include "nn/async_iterator.h"
#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "runtime/detached_memory.h"
#include "runtime/error.h"
#include "runtime/tensor_copy.h"
#include "workspace/workspace_manager.h"

namespace gyre::bench {
namespace {
using Clock = std::chrono::steady_clock;
const Device kGpu = Device::cuda(0);

double microseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

void synchronize() {
  Stream::current(kGpu).synchronize();
}

// Allocator calls a step could make: workspace spills and resizes, detached cache misses.
std::uint64_t device_allocations() {
  std::uint64_t calls = detached_resource(kGpu).statistics().misses;
  for (const WorkspaceStatistics& workspace : WorkspaceManager::for_device(kGpu).statistics()) {
    for (const ArenaStatistics& arena : workspace.arenas)
      calls += arena.spill_count + arena.resize_count;
  }
  return calls;
}

// A random batch on the GPU: features in [0, 1), one-hot labels.
nn::DataSet device_batch(std::int64_t rows) {
  Tensor labels = Tensor::empty_detached({rows, 10});
  for (std::int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < 10; ++c) labels.data<float>()[r * 10 + c] = r % 10 == c ? 1.0f : 0.0f;
  }
  nn::DataSet batch{Tensor::empty_detached({rows, 784}, DType::f32, kGpu),
                    Tensor::empty_detached({rows, 10}, DType::f32, kGpu)};
  kernels::fill_uniform(batch.features, 0.0f, 1.0f, 5);
  copy_tensor(labels, batch.labels);
  return batch;
}

struct StepResult {
  double step_us;
  double allocations_per_step;
  std::uint64_t replays;
};

StepResult training_step(std::int64_t batch_size, bool graphs, int steps) {
  nn::Network network(nn::NetworkConfig::mlp(), kGpu);
  network.set_cuda_graphs(graphs);
  const nn::DataSet batch = device_batch(batch_size);
  for (int i = 0; i < 30; ++i) network.fit(batch);  // learning, capture
  (void)network.score();
  const std::uint64_t allocations = device_allocations();
  const auto start = Clock::now();
  for (int i = 0; i < steps; ++i) network.fit(batch);
  (void)network.score();  // waits for the last step
  const double total = microseconds_since(start);
  return {total / steps, static_cast<double>(device_allocations() - allocations) / steps,
          network.training_graph_plan().replays()};
}

// Mean latency of one output() call, synchronized each time (as a server would).
double inference_us(std::int64_t batch_size, bool graphs, int calls) {
  nn::Network network(nn::NetworkConfig::mlp(), kGpu);
  network.set_cuda_graphs(graphs);
  const nn::DataSet batch = device_batch(batch_size);
  for (int i = 0; i < 30; ++i) (void)network.output(batch.features);
  synchronize();
  const auto start = Clock::now();
  for (int i = 0; i < calls; ++i) {
    (void)network.output(batch.features);
    synchronize();
  }
  return microseconds_since(start) / calls;
}

// fit() from host batches through the prefetcher: the share of time the step waited.
double prefetch_wait_share(bool graphs) {
  const std::int64_t rows = 128 * 200;
  const Tensor features = Tensor::empty_detached({rows, 784});
  kernels::fill_uniform(features, 0.0f, 1.0f, 6);
  Tensor labels = Tensor::empty_detached({rows, 10});
  for (std::int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < 10; ++c) labels.data<float>()[r * 10 + c] = r % 10 == c ? 1.0f : 0.0f;
  }
  nn::InMemoryIterator source(features, labels, 128, true, 3);
  nn::Network network(nn::NetworkConfig::mlp(), kGpu);
  network.set_cuda_graphs(graphs);
  network.fit(source, 1);  // learning
  const nn::AsyncIteratorStatistics before = network.prefetcher()->statistics();
  const auto start = Clock::now();
  network.fit(source, 2);
  (void)network.score();
  const double total = microseconds_since(start);
  const nn::AsyncIteratorStatistics after = network.prefetcher()->statistics();
  return std::chrono::duration<double, std::micro>(after.consumer_wait - before.consumer_wait)
             .count() /
         total;
}

double gemm_tflops(std::int64_t n) {
  const Tensor a = Tensor::empty_detached({n, n}, DType::f32, kGpu),
               b = Tensor::empty_detached({n, n}, DType::f32, kGpu),
               c = Tensor::empty_detached({n, n}, DType::f32, kGpu);
  kernels::fill_uniform(a, -1.0f, 1.0f, 7);
  kernels::fill_uniform(b, -1.0f, 1.0f, 8);
  for (int i = 0; i < 3; ++i) kernels::gemm(a, b, false, false, 1.0f, 0.0f, c);
  synchronize();
  const int repetitions = 20;
  const auto start = Clock::now();
  for (int i = 0; i < repetitions; ++i) kernels::gemm(a, b, false, false, 1.0f, 0.0f, c);
  synchronize();
  const double seconds = microseconds_since(start) / 1e6;
  return 2.0 * static_cast<double>(n * n * n) * repetitions / seconds / 1e12;
}

double copy_gb_per_s(std::int64_t bytes) {
  const std::int64_t count = bytes / 4;
  const Tensor from = Tensor::empty_detached({count}, DType::f32, kGpu),
               to = Tensor::empty_detached({count}, DType::f32, kGpu);
  kernels::fill(from, 1.0);
  copy_tensor(from, to);
  synchronize();
  const int repetitions = 20;
  const auto start = Clock::now();
  for (int i = 0; i < repetitions; ++i) copy_tensor(from, to);
  synchronize();
  const double seconds = microseconds_since(start) / 1e6;
  return 2.0 * static_cast<double>(bytes) * repetitions / seconds / 1e9;  // read + write
}

}  // namespace

void add_gpu_benchmark(CLI::App& bench) {
  CLI::App* command = bench.add_subcommand(
      "gpu", "The standard MLP on cuda:0, eager and as CUDA graphs, against PyTorch's results");
  auto json_path = std::make_shared<std::string>();
  auto torch_path = std::make_shared<std::string>();
  auto steps = std::make_shared<int>(300);
  command->add_option("--json", *json_path, "Write the results as JSON to this file");
  command->add_option("--torch", *torch_path,
                      "JSON of tools/bench/torch_gpu_bench.py, run on the same card just before");
  command->add_option("--steps", *steps, "Timed steps per case")->check(CLI::Range(10, 100000));
  command->callback([=] {
    GYRE_CHECK(device_count(DeviceType::cuda) > 0, NotAvailableError,
               "bench gpu needs a CUDA device; this machine (or build) has none");
    nlohmann::json report = {{"model", "mlp 784-256-128-10, adam"}, {"device", "cuda:0"}};
    std::cout << std::left << std::setw(28) << "case" << std::right << std::setw(12) << "eager us"
              << std::setw(12) << "graph us" << std::setw(16) << "allocs/step"
              << "\n";
    for (std::int64_t batch : {128, 1024}) {
      std::cerr << "bench gpu: training step, batch " << batch << "\n";
      const StepResult eager = training_step(batch, false, *steps);
      const StepResult graph = training_step(batch, true, *steps);
      report["train"][std::to_string(batch)] = {
          {"eager_step_us", eager.step_us},
          {"graph_step_us", graph.step_us},
          {"graph_replays", graph.replays},
          {"eager_allocations_per_step", eager.allocations_per_step},
          {"graph_allocations_per_step", graph.allocations_per_step}};
      std::cout << std::left << std::setw(28) << ("train step, batch " + std::to_string(batch))
                << std::right << std::fixed << std::setprecision(1) << std::setw(12)
                << eager.step_us << std::setw(12) << graph.step_us << std::setw(16)
                << std::setprecision(3) << graph.allocations_per_step << "\n";
    }
    for (std::int64_t batch : {1, 256}) {
      std::cerr << "bench gpu: inference, batch " << batch << "\n";
      const double eager = inference_us(batch, false, *steps);
      const double graph = inference_us(batch, true, *steps);
      report["inference"][std::to_string(batch)] = {{"eager_us", eager}, {"graph_us", graph}};
      std::cout << std::left << std::setw(28) << ("inference, batch " + std::to_string(batch))
                << std::right << std::setprecision(1) << std::setw(12) << eager << std::setw(12)
                << graph << "\n";
    }
    std::cerr << "bench gpu: prefetch from host batches\n";
    report["prefetch_wait_share"] = {{"eager", prefetch_wait_share(false)},
                                     {"graph", prefetch_wait_share(true)}};
    std::cerr << "bench gpu: ceilings\n";
    report["ceilings"] = {{"cublas_sgemm_4096_tflops", gemm_tflops(4096)},
                          {"device_copy_256mib_gb_per_s", copy_gb_per_s(std::int64_t{256} << 20)}};
    if (!torch_path->empty()) {
      std::ifstream file(*torch_path);
      GYRE_CHECK(file.good(), InvalidArgumentError, "bench gpu: cannot read --torch ", *torch_path);
      const nlohmann::json torch = nlohmann::json::parse(file);
      report["torch"] = torch;
      const double torch_eager_128 = torch["train"]["128"]["eager_step_us"].get<double>();
      report["ratios"] = {{"gyre_graph_over_torch_eager_train_128",
                           report["train"]["128"]["graph_step_us"].get<double>() / torch_eager_128},
                          {"gyre_eager_over_torch_eager_train_128",
                           report["train"]["128"]["eager_step_us"].get<double>() / torch_eager_128},
                          {"gyre_graph_over_torch_graph_train_128",
                           report["train"]["128"]["graph_step_us"].get<double>() /
                               torch["train"]["128"]["graph_step_us"].get<double>()},
                          {"gyre_graph_over_torch_eager_train_1024",
                           report["train"]["1024"]["graph_step_us"].get<double>() /
                               torch["train"]["1024"]["eager_step_us"].get<double>()},
                          {"gyre_graph_over_torch_eager_inference_1",
                           report["inference"]["1"]["graph_us"].get<double>() /
                               torch["inference"]["1"]["eager_us"].get<double>()}};
    }
    std::cout << "\n" << report.dump(2) << "\n";
    if (!json_path->empty()) std::ofstream(*json_path) << report.dump(2) << "\n";
  });
}

}  // namespace gyre::bench
