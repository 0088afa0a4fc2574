#include "tools/bench/kernels_bench.h"

#include <benchmark/benchmark.h>
#include <cblas.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kernels/ops.h"
#include "runtime/device.h"
#include "runtime/stream.h"
#include "runtime/tensor_copy.h"

namespace gyre::bench {
namespace {

using kernels::Activation;

// Ceilings of this run, measured before the ops (0 until measured).
struct Ceilings {
  double gemm_flops = 0;  // FLOP/s of the library GEMM at 1024³ (or 4096³ on a GPU)
  double copy_bytes = 0;  // bytes/s of a large copy, counting bytes read and written
};
std::map<std::string, Ceilings> ceilings;  // by device

Tensor random_on(const Shape& shape, Device device, std::uint64_t seed) {
  Tensor tensor = Tensor::empty_detached(shape, DType::f32, device);
  kernels::fill_uniform(tensor, -1.0f, 1.0f, seed);
  return tensor;
}

// Runs `body` per iteration; on a GPU waits for the stream so that the time is the work's.
void timed(benchmark::State& state, Device device, const std::function<void()>& body) {
  const Stream stream = Stream::current(device);
  for (auto _ : state) {
    body();
    stream.synchronize();
  }
}

void report_flops(benchmark::State& state, Device device, double flops) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  const double ceiling = ceilings[device.to_string()].gemm_flops;
  if (ceiling > 0) {
    state.counters["of_peak"] =
        benchmark::Counter(flops / ceiling, benchmark::Counter::kIsIterationInvariantRate);
  }
}

void report_bytes(benchmark::State& state, Device device, double bytes) {
  state.counters["GB/s"] =
      benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  const double ceiling = ceilings[device.to_string()].copy_bytes;
  if (ceiling > 0) {
    state.counters["of_copy"] =
        benchmark::Counter(bytes / ceiling, benchmark::Counter::kIsIterationInvariantRate);
  }
}

// The ceilings: timed directly on the libraries, so that each op's fraction is of this run.
void measure_ceilings(Device device) {
  Ceilings& result = ceilings[device.to_string()];
  const std::int64_t n = device.is_cpu() ? 1024 : 4096;
  const Tensor a = random_on({n, n}, device, 1), b = random_on({n, n}, device, 2);
  Tensor c = Tensor::empty_detached({n, n}, DType::f32, device);
  const std::int64_t bytes = 64 << 20;
  Tensor source = Tensor::empty_detached({bytes / 4}, DType::f32, device), target = source;
  target = Tensor::empty_detached({bytes / 4}, DType::f32, device);
  kernels::fill(source, 1.0);
  const Stream stream = Stream::current(device);
  auto best_rate = [&](const std::function<void()>& work, double amount) {
    work();
    stream.synchronize();
    double best = 0;
    for (int round = 0; round < 5; ++round) {
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < 3; ++i) work();
      stream.synchronize();
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      best = std::max(best, 3 * amount / seconds);
    }
    return best;
  };
  if (device.is_cpu()) {
    result.gemm_flops = best_rate(
        [&] {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(n),
                      static_cast<blasint>(n), static_cast<blasint>(n), 1.0f, a.data<float>(),
                      static_cast<blasint>(n), b.data<float>(), static_cast<blasint>(n), 0.0f,
                      c.data<float>(), static_cast<blasint>(n));
        },
        2.0 * static_cast<double>(n * n * n));
    result.copy_bytes = best_rate(
        [&] { std::memcpy(target.data<float>(), source.data<float>(), bytes); }, 2.0 * bytes);
  } else {
    result.gemm_flops = best_rate([&] { kernels::gemm(a, b, false, false, 1.0f, 0.0f, c); },
                                  2.0 * static_cast<double>(n * n * n));
    result.copy_bytes = best_rate([&] { copy_tensor(source, target); }, 2.0 * bytes);
  }
}

void register_ceiling_benchmarks(Device device) {
  const std::string prefix = "ceiling/" + device.to_string() + "/";
  benchmark::RegisterBenchmark(
      (prefix + (device.is_cpu() ? "openblas_sgemm_1024" : "cublas_sgemm_4096")).c_str(),
      [device](benchmark::State& state) {
        const std::int64_t n = device.is_cpu() ? 1024 : 4096;
        const Tensor a = random_on({n, n}, device, 1), b = random_on({n, n}, device, 2);
        Tensor c = Tensor::empty_detached({n, n}, DType::f32, device);
        timed(state, device, [&] {
          if (device.is_cpu()) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(n),
                        static_cast<blasint>(n), static_cast<blasint>(n), 1.0f, a.data<float>(),
                        static_cast<blasint>(n), b.data<float>(), static_cast<blasint>(n), 0.0f,
                        c.data<float>(), static_cast<blasint>(n));
          } else {
            kernels::gemm(a, b, false, false, 1.0f, 0.0f, c);
          }
        });
        report_flops(state, device, 2.0 * static_cast<double>(n * n * n));
      });
  benchmark::RegisterBenchmark((prefix + "copy_64MiB").c_str(), [device](benchmark::State& state) {
    const std::int64_t elements = (64 << 20) / 4;
    const Tensor source = random_on({elements}, device, 3);
    Tensor target = Tensor::empty_detached({elements}, DType::f32, device);
    timed(state, device, [&] {
      if (device.is_cpu())
        std::memcpy(target.data<float>(), source.data<float>(), elements * 4);
      else
        copy_tensor(source, target);
    });
    report_bytes(state, device, 2.0 * elements * 4);
  });
}

void register_op_benchmarks(Device device) {
  const std::string prefix = device.to_string() + "/";
  // GEMM through Gyre and, on the CPU, the same call straight to OpenBLAS: the wrapper's cost.
  const std::int64_t shapes[][3] = {
      {1, 256, 784}, {128, 256, 784}, {128, 128, 256}, {128, 10, 128}, {512, 512, 512}};
  for (const auto& shape : shapes) {
    const std::int64_t m = shape[0], n = shape[1], k = shape[2];
    const std::string dims = std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
    benchmark::RegisterBenchmark(
        ("gemm/" + prefix + "gyre/" + dims).c_str(), [=](benchmark::State& state) {
          const Tensor a = random_on({m, k}, device, 4), b = random_on({k, n}, device, 5);
          Tensor c = Tensor::empty_detached({m, n}, DType::f32, device);
          timed(state, device, [&] { kernels::gemm(a, b, false, false, 1.0f, 0.0f, c); });
          report_flops(state, device, 2.0 * static_cast<double>(m * n * k));
        });
    if (device.is_cpu()) {
      benchmark::RegisterBenchmark(
          ("gemm/" + prefix + "openblas/" + dims).c_str(), [=](benchmark::State& state) {
            const Tensor a = random_on({m, k}, device, 4), b = random_on({k, n}, device, 5);
            Tensor c = Tensor::empty_detached({m, n}, DType::f32, device);
            timed(state, device, [&] {
              cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(m),
                          static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a.data<float>(),
                          static_cast<blasint>(k), b.data<float>(), static_cast<blasint>(n), 0.0f,
                          c.data<float>(), static_cast<blasint>(n));
            });
            report_flops(state, device, 2.0 * static_cast<double>(m * n * k));
          });
    }
  }
  // Memory-bound ops on 16 Mi elements (64 MiB): bytes read + written per iteration.
  const std::int64_t large = 16 << 20;
  struct Streaming {
    const char* name;
    double bytes_per_element;
    std::function<void(std::vector<Tensor>&)> run;
  };
  const std::vector<Streaming> streaming = {
      {"relu", 8,
       [](std::vector<Tensor>& t) {
         kernels::activation_forward(Activation::relu, t[0], kernels::kDefaultAlpha, t[1]);
       }},
      {"sigmoid", 8,
       [](std::vector<Tensor>& t) {
         kernels::activation_forward(Activation::sigmoid, t[0], kernels::kDefaultAlpha, t[1]);
       }},
      {"add", 12, [](std::vector<Tensor>& t) { kernels::add(t[0], t[2], t[1]); }},
      {"scale_by_row", 8,
       [](std::vector<Tensor>& t) {
         kernels::binary(kernels::BinaryOp::multiply, t[0], t[3], t[1]);
       }},
      {"adam_update", 28,
       [](std::vector<Tensor>& t) { kernels::adam_update(t[1], t[0], t[2], t[4], 1e-3f, 1); }},
      {"dropout", 8, [](std::vector<Tensor>& t) { kernels::dropout(t[0], 0.5f, 1, 0, t[1]); }},
  };
  for (const Streaming& op : streaming) {
    benchmark::RegisterBenchmark(
        ("elementwise/" + prefix + op.name + "_16Mi").c_str(), [=](benchmark::State& state) {
          std::vector<Tensor> tensors = {random_on({large / 1024, 1024}, device, 6),
                                         random_on({large / 1024, 1024}, device, 7),
                                         random_on({large / 1024, 1024}, device, 8),
                                         random_on({1024}, device, 9),
                                         random_on({large / 1024, 1024}, device, 10)};
          kernels::unary(kernels::UnaryOp::abs, tensors[4],
                         tensors[4]);  // Adam's second moment is >= 0
          timed(state, device, [&] { op.run(tensors); });
          report_bytes(state, device, op.bytes_per_element * static_cast<double>(large));
        });
  }
  benchmark::RegisterBenchmark(
      ("reduce/" + prefix + "sum_axis0_4096x1024").c_str(), [=](benchmark::State& state) {
        const Tensor x = random_on({4096, 1024}, device, 11);
        Tensor y = Tensor::empty_detached({1024}, DType::f32, device);
        timed(state, device, [&] { kernels::reduce(kernels::Reduction::sum, x, 0, false, y); });
        report_bytes(state, device, 4.0 * 4096 * 1024);
      });
  benchmark::RegisterBenchmark(
      ("loss/" + prefix + "softmax_cross_entropy_128x10").c_str(), [=](benchmark::State& state) {
        const Tensor logits = random_on({128, 10}, device, 12),
                     targets = random_on({128, 10}, device, 13);
        Tensor probabilities = Tensor::empty_detached({128, 10}, DType::f32, device);
        timed(state, device,
              [&] { kernels::softmax_cross_entropy(logits, targets, probabilities); });
        report_bytes(state, device, 4.0 * 3 * 128 * 10);
      });
  // The LeNet convolutions of BENCHMARKS.md's CNN at batch 64.
  struct Conv {
    const char* name;
    std::int64_t c, h, o;
  };
  for (const Conv& conv : {Conv{"lenet_conv1", 1, 28, 20}, Conv{"lenet_conv2", 20, 12, 50}}) {
    const double flops =
        2.0 * static_cast<double>(64 * conv.o * (conv.h - 4) * (conv.h - 4) * conv.c * 25);
    benchmark::RegisterBenchmark(
        ("conv/" + prefix + conv.name + "_forward").c_str(), [=](benchmark::State& state) {
          const Tensor x = random_on({64, conv.c, conv.h, conv.h}, device, 14),
                       w = random_on({conv.o, conv.c, 5, 5}, device, 15);
          Tensor y =
              Tensor::empty_detached({64, conv.o, conv.h - 4, conv.h - 4}, DType::f32, device);
          timed(state, device, [&] { kernels::conv2d_forward(x, w, {}, y); });
          report_flops(state, device, flops);
        });
    benchmark::RegisterBenchmark(
        ("conv/" + prefix + conv.name + "_backward_filter").c_str(), [=](benchmark::State& state) {
          const Tensor x = random_on({64, conv.c, conv.h, conv.h}, device, 16);
          const Tensor dy = random_on({64, conv.o, conv.h - 4, conv.h - 4}, device, 17);
          Tensor dw = Tensor::empty_detached({conv.o, conv.c, 5, 5}, DType::f32, device);
          timed(state, device, [&] { kernels::conv2d_backward_filter(x, dy, dw.shape(), {}, dw); });
          report_flops(state, device, flops);
        });
  }
  benchmark::RegisterBenchmark(
      ("pool/" + prefix + "max_2x2_64x20x24x24").c_str(), [=](benchmark::State& state) {
        const Tensor x = random_on({64, 20, 24, 24}, device, 18);
        Tensor y = Tensor::empty_detached({64, 20, 12, 12}, DType::f32, device);
        timed(state, device, [&] { kernels::pool2d_forward(kernels::Pooling::max, x, {}, y); });
        report_bytes(state, device, 4.0 * 64 * 20 * (24 * 24 + 12 * 12));
      });
}

// Keeps each benchmark's rates to print the summary against the targets.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") continue;
      for (const auto& [name, counter] : run.counters)
        rates[run.run_name.function_name][name] = counter.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, std::map<std::string, double>> rates;
};

void print_summary(const SummaryReporter& reporter) {
  std::cout << "\nSummary (targets of issue 'Kernels'):\n" << std::fixed << std::setprecision(2);
  for (const auto& [name, counters] : reporter.rates) {
    const auto gyre = name.find("/gyre/");
    if (name.rfind("gemm/cpu:0/gyre/", 0) == 0 && gyre != std::string::npos) {
      const std::string peer = std::string(name).replace(gyre, 6, "/openblas/");
      const auto found = reporter.rates.find(peer);
      if (found == reporter.rates.end()) continue;
      const double ratio = counters.at("GFLOP/s") / found->second.at("GFLOP/s");
      std::cout << "  " << std::left << std::setw(40) << name << " vs OpenBLAS: " << ratio
                << (ratio >= 0.9 ? "  (>= 0.90: met)" : "  (>= 0.90: NOT met)") << "\n";
    }
    if (name.rfind("elementwise/", 0) == 0 && counters.count("of_copy")) {
      const double fraction = counters.at("of_copy");
      std::cout << "  " << std::left << std::setw(40) << name << " of copy bandwidth: " << fraction
                << (fraction >= 0.6 ? "  (>= 0.60: met)" : "  (>= 0.60: NOT met)") << "\n";
    }
  }
}

}  // namespace

int run_kernels_benchmark(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  std::vector<Device> devices = {Device::cpu()};
  if (device_count(DeviceType::cuda) > 0) devices.push_back(Device::cuda(0));
  for (Device device : devices) {
    std::cerr << "bench kernels: measuring the ceilings of " << device << "...\n";
    measure_ceilings(device);
    register_ceiling_benchmarks(device);
    register_op_benchmarks(device);
  }
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace gyre::bench
