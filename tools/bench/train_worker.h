#pragma once
// The measurements of `gyre bench train`, made in a worker process so that each framework's
// peak RSS is its own: training throughput of the standard MLP on Fashion-MNIST at one
// batch size and thread count, inference latency (batch 1) and throughput (batch 256), the
// step time over the time of the same GEMMs called directly (the overhead ratio, one per
// alternated pair), and the peak RSS.
#include <cstdint>
#include <string>

namespace gyre::bench {

struct TrainWorkerOptions {
  std::int64_t batch = 128;
  int threads = 1;
  int warmup = 20;          // iterations before the timed epoch
  int overhead_pairs = 16;  // windows of training steps and of direct GEMMs, alternated
};

/// The result as one JSON line (keys: framework, batch, threads, step_ms, samples_per_s,
/// prefetch_wait_ms_per_step, prefetcher_moves, latency_batch1_us,
/// inference_batch256_samples_per_s, overhead_ratios, peak_rss_mib).
std::string run_gyre_train_worker(const TrainWorkerOptions& options);

}  // namespace gyre::bench
