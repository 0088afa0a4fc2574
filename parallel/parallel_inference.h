#pragma once
// ParallelInference (DL4J's name): a pool of model replicas, one worker thread each, serving
// output() calls from any number of threads. docs/design/serving.md has the decisions;
// what differs from DL4J:
//   - batch_limit counts examples, not requests;
//   - max_queue_delay lets a batch wait (Triton's max_queue_delay_microseconds) for more
//     requests instead of forming only while every worker is busy;
//   - beyond queue_limit waiting requests a caller is refused at once with OverloadedError
//     (retryable) instead of blocking without bound;
//   - requests whose example shapes differ are never merged: a batch takes consecutive
//     requests of the first one's shape; time series of different lengths are the
//     exception: they are padded to the longest and masked (each answer is what the
//     request alone would get, to rounding);
//   - a failure reaches exactly the callers of the batch that failed (as a ParallelError
//     with its message);
//   - inputs on a CUDA device are handed over with an event recorded on the caller's stream
//     (DL4J #6730: a race between the caller's kernels and the worker's read).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "nn/network.h"
#include "parallel/communicator.h"
#include "parallel/config_builder.h"
#include "runtime/error.h"
#include "runtime/event_pool.h"
#include "runtime/stream.h"

namespace gyre::parallel {

/// The queue is full: retry later (HTTP 503).
class OverloadedError : public Error {
 public:
  using Error::Error;
};

enum class InferenceMode { SEQUENTIAL, BATCHED };
const char* name_of(InferenceMode mode);

struct ParallelInferenceConfig {
  /// Replicas (worker threads); 0: one per device of the model's kind (1 on the CPU).
  int workers = 0;
  InferenceMode mode = InferenceMode::BATCHED;
  /// BATCHED: most examples in one batch.
  std::int64_t batch_limit = 32;
  /// BATCHED: how long the first request of a batch may wait for more.
  std::chrono::microseconds max_queue_delay{200};
  /// Requests waiting beyond this are refused with OverloadedError.
  std::size_t queue_limit = 256;
  /// Each request's answer has the same bits whichever requests shared its batch
  /// (Network::set_batch_invariant); costs small batches the work of 8 rows.
  bool batch_invariant = false;
  /// Called by a worker before each batch with its example count (tracing, and tests that
  /// hold or fail a batch); an exception it throws fails that batch.
  std::function<void(std::int64_t examples)> before_batch;

  void validate() const;
};

struct InferenceStatistics {
  std::uint64_t requests = 0;  // answered (with a result or an error)
  std::uint64_t errors = 0;    // answered with an error
  std::uint64_t rejected = 0;  // refused at the queue limit
  std::uint64_t batches = 0;
  std::uint64_t examples = 0;
  std::size_t queue_depth = 0;   // waiting now
  double queue_seconds = 0.0;    // total over requests: submit to start of their batch
  double compute_seconds = 0.0;  // total over batches
  /// CUDA events made to hand inputs to the workers: pooled, so flat under a steady load.
  std::uint64_t handoff_events = 0;
  /// Batches by size: bucket i counts batches of at most 2^i examples.
  std::vector<std::uint64_t> batch_size_buckets = std::vector<std::uint64_t>(12, 0);
};

/// The answer to one submitted request, filled by a worker.
class PendingOutput {
 public:
  /// Blocks until answered: the outputs, or the batch's failure rethrown as ParallelError
  /// carrying its message (made on this thread, so no exception object crosses threads).
  Tensor get();
  bool ready() const;

 private:
  friend class ParallelInference;
  struct Completion {
    mutable std::mutex mutex;
    std::condition_variable done_changed;
    bool done = false;
    Tensor value;
    std::string error;  // the failure's message; empty when it succeeded
    bool failed = false;
  };
  std::shared_ptr<Completion> completion_;
};

class ParallelInference {
 public:
  class Builder : public ConfigBuilder<Builder, const nn::Network, ParallelInferenceConfig,
                                       ParallelInference> {
   public:
    using ConfigBuilder::ConfigBuilder;
    Builder& workers(int count) { return set(config_.workers, count); }
    Builder& inference_mode(InferenceMode mode) { return set(config_.mode, mode); }
    Builder& batch_limit(std::int64_t examples) { return set(config_.batch_limit, examples); }
    Builder& max_queue_delay(std::chrono::microseconds delay) {
      return set(config_.max_queue_delay, delay);
    }
    Builder& queue_limit(std::size_t requests) { return set(config_.queue_limit, requests); }
    Builder& batch_invariant(bool on) { return set(config_.batch_invariant, on); }
    Builder& before_batch(std::function<void(std::int64_t)> hook) {
      return set(config_.before_batch, std::move(hook));
    }
  };

  /// Copies `model` (config and parameters) into each replica.
  ParallelInference(const nn::Network& model, const ParallelInferenceConfig& config);
  /// Answers every request already queued, then stops the workers.
  ~ParallelInference();
  ParallelInference(const ParallelInference&) = delete;
  ParallelInference& operator=(const ParallelInference&) = delete;

  /// The network's outputs for `features` ([n, example...], any device), detached on the
  /// model's device. Blocks; throws the batch's error, or OverloadedError when full. A time
  /// series ([n, T, C], any T) may come with its mask [n, T] (1: a present step), as
  /// Network::output takes it.
  Tensor output(const Tensor& features, const Tensor& mask = Tensor());
  /// The same, without blocking: get() the answer later.
  PendingOutput submit(const Tensor& features, const Tensor& mask = Tensor());
  /// Swaps every replica's parameters for `model`'s (same architecture) between batches:
  /// requests already queued are answered, by the old or the new weights, none is dropped.
  void update_model(const nn::Network& model);

  const ParallelInferenceConfig& config() const { return config_; }
  int workers() const { return static_cast<int>(replicas_.size()); }
  InferenceStatistics statistics() const;

 private:
  struct Request {
    Tensor features;
    Tensor mask;  // a time series': [n, T], or undefined
    std::shared_ptr<PendingOutput::Completion> result;
    std::chrono::steady_clock::time_point arrival;
    std::unique_ptr<Event> ready;  // CUDA inputs: recorded on the caller's stream (pooled)
  };
  void run_worker(int index);
  bool can_join(const Request& first, const Request& next, std::int64_t examples) const;
  void serve_batch(int index, std::vector<Request>& batch);
  /// A batch of time series merged in PI_SEQUENCES; of different lengths (or masked): padded
  /// to the longest, with the mask that says so.
  Tensor serve_sequences(nn::Network& replica, const std::vector<Request>& batch,
                         std::int64_t examples);
  /// Request rows [offset, offset + rows) of `output`; a per-step output cut back to the
  /// request's `steps`.
  static Tensor answer_of(const Tensor& output, std::int64_t offset, std::int64_t rows,
                          std::int64_t steps);
  void record(const std::vector<Request>& batch, std::int64_t examples, bool failed,
              std::chrono::steady_clock::time_point start,
              std::chrono::steady_clock::time_point end);

  ParallelInferenceConfig config_;
  std::vector<std::unique_ptr<nn::Network>> replicas_;
  std::vector<std::thread> threads_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Request> queue_;
  bool stopping_ = false;
  std::shared_mutex weights_;  // update_model() takes it exclusively, batches shared
  InferenceStatistics statistics_;
  // Events that hand CUDA inputs to the workers, per device, reused request after request.
  EventPool& event_pool(Device device);
  mutable std::mutex event_pools_mutex_;
  std::vector<std::unique_ptr<EventPool>> event_pools_;
};

}  // namespace gyre::parallel
