#pragma once
// `gyre bench parallel [--json FILE]`: ParallelWrapper's scaling on the CPU — training
// throughput of 1 and 2 workers with one BLAS thread each, and the averaging time as a
// share of the step time.
namespace CLI {
class App;
}

namespace gyre::bench {

void add_parallel_benchmark(CLI::App& bench);

}  // namespace gyre::bench
