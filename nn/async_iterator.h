#pragma once
// AsyncDataSetIterator: a prefetch thread fills a CYCLIC workspace ring with the next
// batches of a source iterator while the consumer trains on the current one (ND4J's
// AsyncDataSetIterator, see ../shared/reference/nd4j-workspaces.md §5).
//
// The contract: a DataSet from next() is valid until the following next(); using it
// afterwards raises WorkspaceError (its ring region was released); detach() keeps one.
// An exception in the producer is rethrown to the consumer at its next call; reset()
// works mid-epoch; destroying the iterator never hangs, even while the producer waits for
// a free slot.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "nn/data_set.h"
#include "workspace/workspace.h"

namespace gyre::nn {

struct AsyncIteratorStatistics {
  std::chrono::nanoseconds consumer_wait{0};  // time next() waited for a batch
  std::chrono::nanoseconds producer_wait{0};  // time the producer waited for a free slot
  std::size_t ring_bytes = 0;                 // the ring's arena size now
  std::uint64_t ring_growths = 0;             // times the ring was (re)allocated
  std::uint64_t batches = 0;                  // batches handed to the consumer
};

class AsyncDataSetIterator final : public DataSetIterator {
 public:
  /// Prefetches up to `prefetch` batches of `source` (which must outlive this iterator).
  explicit AsyncDataSetIterator(DataSetIterator& source, int prefetch = 2);
  ~AsyncDataSetIterator() override;
  AsyncDataSetIterator(const AsyncDataSetIterator&) = delete;
  AsyncDataSetIterator& operator=(const AsyncDataSetIterator&) = delete;

  bool has_next() override;
  DataSet next() override;
  void reset() override;
  std::int64_t batch() const override { return source_.batch(); }
  std::int64_t total_examples() const override { return source_.total_examples(); }
  /// Already asynchronous: fit() does not wrap it again.
  bool async_supported() const override { return false; }

  AsyncIteratorStatistics statistics() const;

 private:
  struct Slot {
    DataSet data;
    std::uint64_t cycle = 0;
  };
  void start();
  void stop() noexcept;
  void produce();
  void release_held() noexcept;

  DataSetIterator& source_;
  const int prefetch_;
  std::thread producer_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Slot> queue_;  // a fixed ring of prefetch_ slots: no allocation per batch
  std::size_t head_ = 0, count_ = 0;
  bool stopping_ = false, finished_ = false;
  std::exception_ptr failure_;
  Workspace* ring_ = nullptr;  // owned by the producer thread's workspace manager
  bool holding_ = false;       // the consumer holds the batch of cycle `held_cycle_`
  std::uint64_t held_cycle_ = 0;
  AsyncIteratorStatistics statistics_;
};

}  // namespace gyre::nn
