#pragma once
// One Gyre measurement of `gyre bench train --vs-pytorch`, in a worker process: a network
// config trained with Adam on Fashion-MNIST as the config reads it (nn/fashion_mnist_split.h)
// at one batch size and BLAS thread count. With epochs = 0 it times `steps` batches through
// fit() after a warm-up; with epochs > 0 it times whole epochs and reports the test accuracy.
#include <cstdint>
#include <string>

#include "nn/fashion_mnist.h"

namespace gyre::bench {

struct ModelWorkerOptions {
  std::string config;    // a network config file (configs/lenet.json, ...)
  std::string workload;  // its name in the report (mlp, lenet, resnet, lstm)
  std::int64_t batch = 64;
  int threads = 1;
  int steps = 200;  // timed batches (epochs = 0)
  int epochs = 0;   // > 0: whole epochs, then the test accuracy
  int warmup = 10;  // batches before the timed ones
  std::string data = nn::kFashionMnistDirectory;
};

/// One JSON line: framework, workload, threads, batch, samples_per_second, examples,
/// seconds, test_accuracy (null without epochs).
std::string run_gyre_model_worker(const ModelWorkerOptions& options);

}  // namespace gyre::bench
