#pragma once
// EpochDriver: runs epochs over a data source for a trainer (Network::fit, ParallelWrapper::
// fit) and owns the prefetcher's life. A source that is async_supported() is read ahead by
// an AsyncDataSetIterator (an AsyncMultiDataSetIterator for a MultiDataSetIterator) made by
// the first run and kept across runs (later runs allocate nothing); each epoch restarts it
// on the source, which resets the source exactly as the plain path does; however a run
// ends, the prefetcher stops reading the caller's source.
#include <memory>

#include "nn/async_iterator.h"
#include "nn/prefetch_pacing.h"

namespace gyre::nn {

class EpochDriver {
 public:
  /// Reads `prefetch` batches ahead (0: none) into memory of `device`; `pacing` (optional)
  /// says when a training step holds production back.
  EpochDriver(int prefetch, Device device, std::unique_ptr<PrefetchPacing> pacing = nullptr);
  ~EpochDriver();
  EpochDriver(const EpochDriver&) = delete;
  EpochDriver& operator=(const EpochDriver&) = delete;

  /// `epochs` times: resets `data` (through the prefetcher when it prefetches) and calls
  /// `epoch(source)`, where `source` gives the batches. `Source` is DataSetIterator or
  /// MultiDataSetIterator.
  template <typename Source, typename Epoch>
  void run(Source& data, int epochs, Epoch&& epoch) {
    std::unique_ptr<AsyncIterator<Source>>& prefetcher = prefetcher_for(data);
    prefetching_ = prefetch_ > 0 && data.async_supported();
    if (prefetching_ && prefetcher == nullptr)  // idle until the first epoch's restart()
      prefetcher = std::make_unique<AsyncIterator<Source>>(data, prefetch_, device_, false);
    if (prefetching_) last_ = prefetcher.get();
    Source& source = prefetching_ ? *prefetcher : data;
    const Finish finish{this};
    for (int e = 0; e < epochs; ++e) {
      if (prefetching_)
        prefetcher->restart(data);
      else
        data.reset();
      epoch(source);
    }
  }

  /// For a training step reading `source`: holds the prefetcher back as the pacing says
  /// (until the step resumes it for its update).
  HeldProduction hold_for_products(const void* source, Device device) const;
  void set_pacing(std::unique_ptr<PrefetchPacing> pacing) { pacing_ = std::move(pacing); }
  /// The prefetcher the last prefetching run used, or null if none has.
  const AsyncPrefetcher* prefetcher() const { return last_; }
  /// Ends the prefetchers' threads (after a failure: no thread outlives it); the next run
  /// makes a new one.
  void discard_prefetcher();

 private:
  struct Finish {
    EpochDriver* driver;
    ~Finish() { driver->finish(); }
  };
  std::unique_ptr<AsyncDataSetIterator>& prefetcher_for(DataSetIterator&) { return prefetcher_; }
  std::unique_ptr<AsyncMultiDataSetIterator>& prefetcher_for(MultiDataSetIterator&) {
    return multi_prefetcher_;
  }
  void finish() noexcept;

  const int prefetch_;
  const Device device_;
  std::unique_ptr<PrefetchPacing> pacing_;
  std::unique_ptr<AsyncDataSetIterator> prefetcher_;
  std::unique_ptr<AsyncMultiDataSetIterator> multi_prefetcher_;
  AsyncPrefetcher* last_ = nullptr;  // the one this run (or the last) reads through
  bool prefetching_ = false;         // this run reads through the prefetcher
};

}  // namespace gyre::nn
