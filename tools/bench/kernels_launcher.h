#pragma once
// `gyre bench kernels`: runs gyre-bench-kernels, installed next to gyre, with the options
// given (they go to Google Benchmark).
namespace CLI {
class App;
}

namespace gyre::bench {

/// Registers `kernels` under `bench`.
void add_kernels_benchmark(CLI::App& bench);

}  // namespace gyre::bench
