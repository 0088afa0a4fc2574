#pragma once
// `gyre bench train --vs-pytorch`: the training workloads of docs/benchmarks/train.md (the
// MLP, LeNet, the residual CNN and the LSTM over rows cut to random lengths) in Gyre and in
// the newest PyTorch from PyPI (tools/bench/torch_train_bench.py, installed by
// tools/bench/install_torch.sh), in the same run, each framework at its best thread count.
// Gyre and PyTorch alternate per workload and thread count (A B, then B A) so that a change
// in the machine's speed does not favour either.
#include <cstdint>
#include <string>
#include <vector>

namespace gyre::bench {

struct PytorchComparisonOptions {
  std::vector<std::string> workloads = {"mlp", "lenet", "resnet", "lstm"};
  std::vector<int> threads = {1, 2};
  std::int64_t batch = 64;
  int steps = 200;                  // timed batches per measurement (epochs = 0)
  int epochs = 0;                   // > 0: whole epochs and the test accuracy of both
  std::string configs = "configs";  // the Gyre configs
  std::string python = "build/torch-venv/bin/python";       // PyTorch's interpreter
  std::string script = "tools/bench/torch_train_bench.py";  // PyTorch's side
  std::string json;                                         // write the report here
};

/// Runs the comparison, prints a table and the JSON report (samples/s of each framework at
/// each thread count, the ratio Gyre / PyTorch at each one's best, and the accuracies).
void run_pytorch_comparison(const PytorchComparisonOptions& options);

}  // namespace gyre::bench
