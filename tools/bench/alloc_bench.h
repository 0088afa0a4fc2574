#pragma once
// `gyre bench alloc`: the allocation cycle of one MLP training step (BENCHMARKS.md), through
// a workspace and through glibc malloc, jemalloc and mimalloc, measured in the same run.
namespace CLI {
class App;
}

namespace gyre::bench {

/// Registers `alloc` (and its hidden per-allocator worker) under `bench`.
void add_alloc_benchmark(CLI::App& bench);

}  // namespace gyre::bench
