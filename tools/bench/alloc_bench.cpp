#include "tools/bench/alloc_bench.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "runtime/cuda_backend.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "runtime/memory_resource.h"
#include "runtime/tensor.h"
#include "tools/bench/worker_process.h"
#include "workspace/workspace_manager.h"

namespace gyre::bench {
namespace {

// The float32 tensors of one training step of the standard MLP (784-256-128-10, batch 128):
// activations, their gradients, parameter gradients and optimizer scratch, in order.
constexpr std::int64_t kBatch = 128;
const std::vector<std::array<std::int64_t, 2>>& mlp_step_shapes() {
  static const std::vector<std::array<std::int64_t, 2>> shapes = {
      {kBatch, 784}, {kBatch, 256}, {kBatch, 256}, {kBatch, 128}, {kBatch, 128}, {kBatch, 10},
      {kBatch, 10},  {kBatch, 10},  {kBatch, 128}, {kBatch, 128}, {kBatch, 256}, {kBatch, 256},
      {784, 256},    {1, 256},      {256, 128},    {1, 128},      {128, 10},     {1, 10}};
  return shapes;
}

std::vector<std::size_t> mlp_step_bytes() {
  std::vector<std::size_t> bytes;
  for (const auto& shape : mlp_step_shapes())
    bytes.push_back(static_cast<std::size_t>(shape[0] * shape[1]) * 4);
  return bytes;
}

using Clock = std::chrono::steady_clock;
volatile char sink;  // touching each block keeps the compiler from eliding an allocation

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Runs `cycle` `cycles` times in `samples` timed groups; the median ns per allocation+release.
template <typename Cycle>
double time_cycles(int cycles, int samples, std::size_t allocations_per_cycle, Cycle cycle) {
  for (int i = 0; i < std::max(3, cycles / 20); ++i) cycle();  // warm-up (and learning)
  std::vector<double> per_allocation;
  const int per_sample = std::max(1, cycles / samples);
  for (int sample = 0; sample < samples; ++sample) {
    const auto start = Clock::now();
    for (int i = 0; i < per_sample; ++i) cycle();
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    per_allocation.push_back(ns / (per_sample * static_cast<double>(allocations_per_cycle)));
  }
  return median(per_allocation);
}

double measure_malloc(int cycles, int samples) {
  const std::vector<std::size_t> sizes = mlp_step_bytes();
  std::vector<char*> blocks(sizes.size());
  return time_cycles(cycles, samples, sizes.size(), [&] {
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      blocks[i] = static_cast<char*>(std::malloc(sizes[i]));
      blocks[i][0] = 1;
    }
    for (char* block : blocks) {
      sink = block[0];
      std::free(block);
    }
  });
}

// The workspace as an allocator of raw memory, like malloc: a scope per cycle, one bump per
// block.
double measure_workspace(int cycles, int samples) {
  WorkspaceManager& manager = WorkspaceManager::for_device(Device::cpu());
  const std::vector<std::size_t> sizes = mlp_step_bytes();
  return time_cycles(cycles, samples, sizes.size(), [&] {
    WorkspaceScope scope = manager.activate("WS_BENCH_ALLOC");
    for (std::size_t bytes : sizes) {
      auto* block = static_cast<char*>(scope->allocate(bytes, kDefaultAlignment, Stream()).data);
      block[0] = 1;
      sink = block[0];
    }
  });
}

// The path user code takes: Tensor::empty inside an activated scope (tensor metadata included).
double measure_workspace_tensor(int cycles, int samples) {
  WorkspaceManager& manager = WorkspaceManager::for_device(Device::cpu());
  const auto& shapes = mlp_step_shapes();
  return time_cycles(cycles, samples, shapes.size(), [&] {
    WorkspaceScope scope = manager.activate("WS_BENCH_ALLOC");
    for (const auto& shape : shapes) {
      Tensor tensor = Tensor::empty({shape[0], shape[1]});
      static_cast<char*>(tensor.unchecked_data())[0] = 1;
      sink = static_cast<char*>(tensor.unchecked_data())[0];
    }
  });
}

double measure_cuda(MemoryResource& resource, int cycles, int samples) {
  const std::vector<std::size_t> sizes = mlp_step_bytes();
  std::vector<void*> blocks(sizes.size());
  return time_cycles(cycles, samples, sizes.size(), [&] {
    for (std::size_t i = 0; i < sizes.size(); ++i) blocks[i] = resource.allocate(sizes[i]);
    for (std::size_t i = 0; i < sizes.size(); ++i) resource.deallocate(blocks[i], sizes[i]);
  });
}

double measure_workspace_cuda(int cycles, int samples) {
  WorkspaceManager& manager = WorkspaceManager::for_device(Device::cuda(0));
  const auto& shapes = mlp_step_shapes();
  return time_cycles(cycles, samples, shapes.size(), [&] {
    WorkspaceScope scope = manager.activate("WS_BENCH_ALLOC_CUDA");
    for (const auto& shape : shapes) {
      Tensor tensor = Tensor::empty({shape[0], shape[1]}, DType::f32, Device::cuda(0));
      sink = tensor.unchecked_data() != nullptr;
    }
  });
}

std::string find_library(const std::string& stem) {
  for (const char* directory :
       {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"}) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(stem + ".so.", 0) == 0) return entry.path().string();
    }
  }
  return "";
}

// Runs `gyre bench alloc-worker` for one allocator in a child process (jemalloc and mimalloc
// replace malloc through LD_PRELOAD, so each allocator gets a process of its own).
double run_worker(const std::string& allocator, int cycles, int samples) {
  std::string preload;
  if (allocator == "jemalloc" || allocator == "mimalloc") {
    preload = find_library("lib" + allocator);
    GYRE_CHECK(!preload.empty(), NotAvailableError, allocator,
               " was not found; install it with "
               "tools/setup.sh (Debian package lib",
               allocator, "-dev)");
  }
  std::vector<std::pair<std::string, std::string>> environment;
  if (!preload.empty()) environment.emplace_back("LD_PRELOAD", preload);
  const std::string output =
      run_worker_process({self_executable(), "bench", "alloc-worker", "--allocator", allocator,
                          "--cycles", std::to_string(cycles), "--samples", std::to_string(samples)},
                         environment);
  return std::stod(output);
}

struct Series {
  std::string name;
  std::vector<double> runs;
  double median_ns() const { return median(runs); }
  double min_ns() const { return *std::min_element(runs.begin(), runs.end()); }
  double max_ns() const { return *std::max_element(runs.begin(), runs.end()); }
};

}  // namespace

void add_alloc_benchmark(CLI::App& bench) {
  CLI::App* alloc = bench.add_subcommand(
      "alloc",
      "Allocation cycle of one MLP step: workspace vs glibc malloc, jemalloc, mimalloc (and CUDA)");
  auto json_path = std::make_shared<std::string>();
  auto repetitions = std::make_shared<int>(7);
  auto cycles = std::make_shared<int>(20000);
  alloc->add_option("--json", *json_path, "Also write the results as JSON to this file");
  alloc->add_option("--repetitions", *repetitions, "Alternating rounds over all allocators")
      ->check(CLI::Range(1, 1000));
  alloc->add_option("--cycles", *cycles, "Allocation cycles per allocator per round")
      ->check(CLI::Range(100, 100000000));
  alloc->callback([=] {
    std::vector<Series> series = {{"workspace", {}},
                                  {"glibc", {}},
                                  {"jemalloc", {}},
                                  {"mimalloc", {}},
                                  {"workspace_tensor", {}}};
    const bool gpu = device_count(DeviceType::cuda) > 0;
    if (gpu) {
      series.push_back({"workspace_cuda", {}});
      series.push_back({"cuda_malloc", {}});
      series.push_back({"cuda_malloc_async", {}});
    }
    const int samples = 21;
    std::cerr << "bench alloc: " << mlp_step_bytes().size() << " tensors per cycle, " << *cycles
              << " cycles x " << *repetitions << " rounds per allocator, alternating\n";
    for (int round = 0; round < *repetitions; ++round) {
      // Alternate the order every round (A B C D, D C B A, ...) so drift hits all alike.
      std::vector<std::size_t> order(series.size());
      for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = round % 2 == 0 ? i : order.size() - 1 - i;
      for (std::size_t index : order) {
        const int cuda_cycles = std::max(100, *cycles / 20);
        series[index].runs.push_back(index < 5
                                         ? run_worker(series[index].name, *cycles, samples)
                                         : run_worker(series[index].name, cuda_cycles, samples));
      }
      std::cerr << "  round " << round + 1 << "/" << *repetitions << " done\n";
    }
    const double best_peer =
        std::min({series[1].median_ns(), series[2].median_ns(), series[3].median_ns()});
    const double ratio = series[0].median_ns() / best_peer;
    std::cout << std::left << std::setw(20) << "allocator" << std::right << std::setw(14)
              << "ns/alloc+free" << std::setw(22) << "min - max (rounds)"
              << "\n";
    for (const Series& row : series) {
      std::cout << std::left << std::setw(20) << row.name << std::right << std::fixed
                << std::setprecision(1) << std::setw(14) << row.median_ns() << std::setw(12)
                << row.min_ns() << " - " << std::setw(7) << row.max_ns() << "\n";
    }
    std::cout << "ratio_vs_best (workspace / fastest of glibc, jemalloc, mimalloc): "
              << std::setprecision(3) << ratio
              << (ratio <= 0.2 ? "  (target <= 0.2: met)" : "  (target <= 0.2: NOT met)") << "\n";
    if (!json_path->empty()) {
      nlohmann::json result = {{"benchmark", "alloc"},
                               {"tensors_per_cycle", mlp_step_bytes().size()},
                               {"cycles", *cycles},
                               {"repetitions", *repetitions},
                               {"hardware_threads", std::thread::hardware_concurrency()},
                               {"ratio_vs_best", ratio}};
      for (const Series& row : series) {
        result[row.name + "_ns"] = row.median_ns();
        result[row.name + "_min_ns"] = row.min_ns();
        result[row.name + "_max_ns"] = row.max_ns();
      }
      std::ofstream(*json_path) << result.dump(2) << "\n";
    }
  });

  CLI::App* worker =
      bench.add_subcommand("alloc-worker", "");  // internal: one allocator, one process
  worker->group("");                             // hidden from --help
  auto allocator = std::make_shared<std::string>();
  auto worker_cycles = std::make_shared<int>(1000);
  auto worker_samples = std::make_shared<int>(21);
  worker->add_option("--allocator", *allocator)->required();
  worker->add_option("--cycles", *worker_cycles);
  worker->add_option("--samples", *worker_samples);
  worker->callback([=] {
    double ns = 0;
    if (*allocator == "workspace")
      ns = measure_workspace(*worker_cycles, *worker_samples);
    else if (*allocator == "workspace_tensor")
      ns = measure_workspace_tensor(*worker_cycles, *worker_samples);
    else if (*allocator == "workspace_cuda")
      ns = measure_workspace_cuda(*worker_cycles, *worker_samples);
    else if (*allocator == "cuda_malloc") {
      DeviceMemoryResource resource(Device::cuda(0));
      ns = measure_cuda(resource, *worker_cycles, *worker_samples);
    } else if (*allocator == "cuda_malloc_async") {
      AsyncDeviceMemoryResource resource(Device::cuda(0));
      ns = measure_cuda(resource, *worker_cycles, *worker_samples);
    } else {
      ns = measure_malloc(*worker_cycles, *worker_samples);  // glibc, or the preloaded allocator
    }
    std::printf("%.3f\n", ns);
  });
}

}  // namespace gyre::bench
