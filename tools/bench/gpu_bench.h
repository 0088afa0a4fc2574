#pragma once
// `gyre bench gpu [--json FILE] [--torch FILE]`: the standard MLP on cuda:0, eager and as
// replayed CUDA graphs (training step at batch 128 and 1024, inference at batch 1 and
// 256), device allocations per steady-state step, the prefetcher's data wait, and the
// ceilings (cuBLAS GEMM rate, device copy bandwidth). With --torch, the results of
// tools/bench/torch_gpu_bench.py from the same run on the same card, and the ratios.
namespace CLI {
class App;
}

namespace gyre::bench {

void add_gpu_benchmark(CLI::App& bench);

}  // namespace gyre::bench
