#pragma once
// EpochDriver: runs epochs over a data source for a trainer (Network::fit, ParallelWrapper::
// fit) and owns the prefetcher's life. A source that is async_supported() is read ahead by
// an AsyncDataSetIterator made by the first run and kept across runs (later runs allocate
// nothing); each epoch restarts it on the source, which resets the source exactly as the
// plain path does; however a run ends, the prefetcher stops reading the caller's source.
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
  /// `epoch(source)`, where `source` gives the batches.
  template <typename Epoch>
  void run(DataSetIterator& data, int epochs, Epoch&& epoch) {
    DataSetIterator& source = start(data);
    const Finish finish{this};
    for (int e = 0; e < epochs; ++e) {
      if (prefetching_)
        prefetcher_->restart(data);
      else
        data.reset();
      epoch(source);
    }
  }

  /// For a training step reading `source`: holds the prefetcher back as the pacing says
  /// (until the step resumes it for its update).
  HeldProduction hold_for_products(const DataSetIterator* source, Device device) const;
  void set_pacing(std::unique_ptr<PrefetchPacing> pacing) { pacing_ = std::move(pacing); }
  /// The prefetcher, or null if no run has used one.
  const AsyncDataSetIterator* prefetcher() const { return prefetcher_.get(); }
  /// Ends the prefetcher's thread (after a failure: no thread outlives it); the next run
  /// makes a new one.
  void discard_prefetcher() { prefetcher_.reset(); }

 private:
  struct Finish {
    EpochDriver* driver;
    ~Finish() { driver->finish(); }
  };
  DataSetIterator& start(DataSetIterator& data);
  void finish() noexcept;

  const int prefetch_;
  const Device device_;
  std::unique_ptr<PrefetchPacing> pacing_;
  std::unique_ptr<AsyncDataSetIterator> prefetcher_;
  bool prefetching_ = false;  // this run reads through the prefetcher
};

}  // namespace gyre::nn
