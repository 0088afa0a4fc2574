#pragma once
// The kernel microbenchmarks: the ops on Google Benchmark, each reported with its rate and
// its fraction of this machine's ceiling measured in the same run. They are an executable
// of their own, gyre-bench-kernels, so that the gyre product binary does not carry Google
// Benchmark; `gyre bench kernels` runs it (tools/bench/kernels_launcher.h).

namespace gyre::bench {

/// The benchmarks' main: Google Benchmark's options (--benchmark_filter,
/// --benchmark_repetitions, --benchmark_out, ...); 2 for an unknown option.
int run_kernels_benchmark(int argc, char** argv);

}  // namespace gyre::bench
