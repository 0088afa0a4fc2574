#pragma once
// AsyncDataSetIterator and AsyncMultiDataSetIterator: a prefetch thread fills a CYCLIC
// workspace ring with the next batches of a source iterator while the consumer trains on
// the current one (ND4J's; docs/design/networks.md says where Gyre differs).
//
// The contract: a batch from next() is valid until the following next(); using a DataSet
// afterwards raises WorkspaceError (its ring region was released); detach() keeps one. A
// MultiDataSet comes as a reference to the batch the iterator holds, which the following
// next() replaces: copy it (or detach()) to keep it.
// An exception in the producer is rethrown to the consumer at its next call; reset()
// works mid-epoch; destroying the iterator never hangs, even while the producer waits for
// a free slot.
//
// On an accelerator (cuda, sim) the source's host batch is made in a pinned staging ring,
// copied asynchronously on the producer's own copy stream into the device ring, and an
// event marks the copy: next() makes the consumer's current stream wait on it (no host
// synchronization of the consumer), and the release of a batch is recorded on that stream.
// The producer makes sure (on the host) that a batch's copy is done before the staging memory
// it read is reused, one batch later.
//
// The thread and its ring live as long as the iterator: restart() points it at a source for
// a new epoch, so a network keeps one across fit() calls and allocates nothing after the
// first.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "nn/data_set.h"
#include "runtime/cpu_placement.h"
#include "runtime/stream.h"
#include "workspace/workspace.h"

namespace gyre::nn {

struct AsyncIteratorStatistics {
  std::chrono::nanoseconds consumer_wait{0};  // time has_next()/next() waited for a batch
  std::chrono::nanoseconds producer_wait{0};  // time the producer waited for a free slot
  std::size_t ring_bytes = 0;                 // the ring's arena bytes now (all kinds)
  std::uint64_t ring_growths = 0;             // times the ring grew after its first sizing
  std::uint64_t batches = 0;                  // batches handed to the consumer
  int producer_cpu = -1;                      // the CPU the last batch was made on
  std::uint64_t producer_moves = 0;  // times allow_production moved it off the consumer's CPU
};

/// The prefetching machinery that does not depend on the batch type: the producer thread,
/// the rings, the hand-off and its statistics. AsyncIterator<Source> adds the slots and the
/// source.
class AsyncPrefetcher {
 public:
  virtual ~AsyncPrefetcher();
  AsyncPrefetcher(const AsyncPrefetcher&) = delete;
  AsyncPrefetcher& operator=(const AsyncPrefetcher&) = delete;

  /// Drops what was prefetched and leaves the producer idle, not touching its source, until
  /// restart(). has_next() is false meanwhile. Never throws (a failed release is logged).
  void pause() noexcept;
  /// Holds production back (false) until allowed again (true), except while no batch is
  /// ready (a consumer never waits for it). A consumer whose step keeps every core busy
  /// for a while (multi-threaded BLAS) allows it for the phase that leaves a core idle, so
  /// that preparing a batch does not slow the step down. restart() allows it again.
  /// Allowing it from the CPU the producer last ran on moves the producer to the others
  /// (runtime/cpu_placement.h): sharing the consumer's CPU, it would run only while the
  /// consumer waits for it.
  void allow_production(bool allowed);

  Device device() const { return device_; }
  AsyncIteratorStatistics statistics() const;
  /// Whether the producer is parked in its wait (paused, idle, finished, held back, or with
  /// every slot full): until something changes that, it touches neither its source nor its
  /// ring. A caller that must know the source is left alone waits for this.
  bool producer_parked() const;

 protected:
  /// `name` (a literal) names the iterator in errors.
  AsyncPrefetcher(int prefetch, Device device, bool start, const char* name);
  /// Called by the derived constructor once its slots exist, and by its destructor before
  /// they go.
  void start_producer();
  void stop_producer() noexcept;
  /// has_next(): waits for a batch or the end; rethrows a producer's failure.
  bool wait_for_batch();
  /// next(): releases the batch held, waits for the next and has take_slot() hand it over.
  void take_next();
  /// restart(): drops everything with the producer out of its source, calls `switch_source`
  /// (which resets the new source) and starts production again.
  template <typename Switch>
  void restart_with(Switch switch_source) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      drop_all(lock);
    }
    switch_source();  // the producer is paused and out of its source
    resume();
  }

  // What the derived iterator does with its source and slots.
  virtual bool source_has_next() = 0;
  /// Reads the source's next batch into slot `index`, or (`staged`) into the host batch
  /// that copy_staged() moves into slot `index` on the device.
  virtual void read_source(std::size_t index, bool staged) = 0;
  virtual void copy_staged(std::size_t index) = 0;
  /// Makes slot `index` the batch held by the consumer (under the lock).
  virtual void take_slot(std::size_t index) = 0;
  /// Drops every slot's and the held batch's tensors (their vectors keep their capacity).
  virtual void clear_slots() = 0;

 private:
  void produce();
  void make_batch(const std::string& id, const WorkspaceConfig& config, Workspace*& ring,
                  std::size_t index, Stream copy_stream);
  void drop_all(std::unique_lock<std::mutex>& lock);
  void resume();
  void keep_producer_off(int consumer_cpu);
  void release_held() noexcept;
  void release_through(std::uint64_t cycle) noexcept;

  const int prefetch_;
  const Device device_;
  const char* const name_;
  std::thread producer_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::uint64_t> cycles_;           // per slot: the ring cycle its batch is in
  std::vector<std::unique_ptr<Event>> copied_;  // per slot: its copy to the device is done
  std::size_t head_ = 0, count_ = 0;
  bool stopping_ = false, paused_, finished_;
  bool production_allowed_ = true;
  CpuPlacement producer_placement_;  // set by the producer as it starts
  int avoided_cpu_ = -1;             // the CPU the producer was last moved off
  bool busy_ = false;                // the producer is inside its source: pause() waits for it
  bool parked_ = false;              // the producer waits, its condition false
  std::exception_ptr failure_;
  Workspace* ring_ = nullptr;  // owned by the producer thread's workspace manager
  // The pinned staging ring (producer thread only): the batch whose copy may still read it.
  Workspace* staging_ = nullptr;
  std::uint64_t staging_cycle_ = 0;
  std::size_t staging_slot_ = 0;
  bool staging_held_ = false;
  bool unreleased_ = false;  // cycles up to newest_cycle_ are still held (queued or consumed)
  std::uint64_t newest_cycle_ = 0;
  bool holding_ = false;  // the consumer holds the batch of cycle `held_cycle_`
  std::uint64_t held_cycle_ = 0;
  AsyncIteratorStatistics statistics_;
};

/// A prefetching iterator over a DataSetIterator or a MultiDataSetIterator (ND4J's
/// AsyncDataSetIterator and AsyncMultiDataSetIterator). Its slots keep their vectors, so a
/// MultiDataSet's are reused: after the ring has seen the largest batch, an epoch allocates
/// nothing.
template <typename Source>
class AsyncIterator final : public Source, public AsyncPrefetcher {
 public:
  using Batch = std::decay_t<decltype(std::declval<Source&>().next())>;
  using Next = decltype(std::declval<Source&>().next());  // DataSet, or const MultiDataSet&

  /// Prefetches up to `prefetch` batches of `source` (which must outlive this iterator, or
  /// the next restart() or pause()) into memory of `device`; with `start` false it waits,
  /// idle, for restart().
  explicit AsyncIterator(Source& source, int prefetch = 2, Device device = Device::cpu(),
                         bool start = true);
  ~AsyncIterator() override;

  bool has_next() override { return wait_for_batch(); }
  Next next() override {
    take_next();
    return held_;
  }
  /// Drops what was prefetched (and the batch held), resets the source and prefetches anew.
  void reset() override { restart(*source_); }
  std::int64_t batch() const override { return source_->batch(); }
  std::int64_t total_examples() const override { return source_->total_examples(); }
  /// Already asynchronous: fit() does not wrap it again.
  bool async_supported() const override { return false; }

  /// reset() on another source: from now on batches come from `source`.
  void restart(Source& source);

 private:
  bool source_has_next() override { return source_->has_next(); }
  void read_source(std::size_t index, bool staged) override;
  void copy_staged(std::size_t index) override;
  void take_slot(std::size_t index) override;
  void clear_slots() override;

  Source* source_;
  std::vector<Batch> slots_;  // a fixed ring of prefetch slots: no allocation per batch
  Batch staged_;              // accelerator: the source's host batch, in the pinned ring
  Batch held_;                // the batch the consumer holds
};

using AsyncDataSetIterator = AsyncIterator<DataSetIterator>;
using AsyncMultiDataSetIterator = AsyncIterator<MultiDataSetIterator>;

/// A source that fit() must not prefetch (ND4J's AsyncShieldDataSetIterator and
/// AsyncShieldMultiDataSetIterator): for sources that are not safe to call from another
/// thread, or whose batches must stay in the caller's workspaces.
template <typename Source>
class AsyncShield final : public Source {
 public:
  explicit AsyncShield(Source& source) : source_(source) {}
  bool has_next() override { return source_.has_next(); }
  decltype(std::declval<Source&>().next()) next() override { return source_.next(); }
  void reset() override { source_.reset(); }
  std::int64_t batch() const override { return source_.batch(); }
  std::int64_t total_examples() const override { return source_.total_examples(); }
  bool async_supported() const override { return false; }

 private:
  Source& source_;
};

using AsyncShieldDataSetIterator = AsyncShield<DataSetIterator>;
using AsyncShieldMultiDataSetIterator = AsyncShield<MultiDataSetIterator>;

}  // namespace gyre::nn
