#pragma once
// `gyre bench train [--vs-libtorch] [--json FILE]`: the standard MLP's training throughput
// (batch 32, 128, 256), inference latency (batch 1) and throughput (batch 256), peak RSS, and
// Gyre's overhead over the same GEMM calls; against libtorch in the same run. With
// --vs-pytorch: the four training workloads against PyTorch (pytorch_comparison.h).
namespace CLI {
class App;
}

namespace gyre::bench {

void add_train_benchmark(CLI::App& bench);

}  // namespace gyre::bench
