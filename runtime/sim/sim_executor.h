#pragma once
// SimExecutor: the engine behind one simulated stream. An in-order queue of operations run
// by a thread of its own, so that enqueueing returns at once and the host runs ahead, as it
// does with a GPU. With chaos on (GYRE_SIM_DELAY=SEED) a seeded random pause precedes some
// operations, so a missing wait or an early reuse shows as a wrong result or a
// ThreadSanitizer report.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>

namespace gyre::sim {

class SimExecutor {
 public:
  /// `chaos_seed` 0: no delays.
  SimExecutor(std::string name, std::uint64_t chaos_seed);
  /// Runs what is queued, then stops the thread.
  ~SimExecutor();
  SimExecutor(const SimExecutor&) = delete;
  SimExecutor& operator=(const SimExecutor&) = delete;

  /// Queues `operation`; returns its sequence number (1, 2, ...).
  std::uint64_t enqueue(std::function<void()> operation);
  /// The sequence number of the newest operation queued.
  std::uint64_t enqueued() const;
  /// Blocks until operation `sequence` (and every earlier one) has run.
  void wait_for(std::uint64_t sequence);
  /// The first exception an operation threw since the last call (an asynchronous error), or
  /// null; reported once, as cudaGetLastError clears a non-sticky error.
  std::exception_ptr take_error();

 private:
  void run();

  std::string name_;
  mutable std::mutex mutex_;
  std::condition_variable queued_;
  std::condition_variable completed_changed_;
  std::deque<std::function<void()>> queue_;
  std::uint64_t enqueued_ = 0;
  std::uint64_t completed_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
  bool chaos_ = false;
  std::mt19937_64 random_;
  std::thread thread_;
};

}  // namespace gyre::sim
