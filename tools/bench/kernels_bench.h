#pragma once
// `gyre bench kernels`: microbenchmarks of the ops on Google Benchmark, each reported with
// its rate and its fraction of this machine's ceiling measured in the same run.
namespace CLI {
class App;
}

namespace gyre::bench {

/// Registers `kernels` under `bench`; unknown options go to Google Benchmark
/// (--benchmark_filter, --benchmark_repetitions, --benchmark_out, ...).
void add_kernels_benchmark(CLI::App& bench);

}  // namespace gyre::bench
