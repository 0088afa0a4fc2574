#include "nn/epoch_driver.h"

namespace gyre::nn {

EpochDriver::EpochDriver(int prefetch, Device device, std::unique_ptr<PrefetchPacing> pacing)
    : prefetch_(prefetch), device_(device), pacing_(std::move(pacing)) {}

EpochDriver::~EpochDriver() = default;

void EpochDriver::finish() noexcept {
  if (prefetching_ && last_ != nullptr) last_->pause();  // `data` is the caller's
  prefetching_ = false;
}

void EpochDriver::discard_prefetcher() {
  prefetcher_.reset();
  multi_prefetcher_.reset();
  last_ = nullptr;
}

HeldProduction EpochDriver::hold_for_products(const void* source, Device device) const {
  // A step reading through a prefetcher reads it as its Source: compare that base's address.
  AsyncPrefetcher* prefetched = nullptr;
  if (source != nullptr && prefetcher_ != nullptr &&
      source == static_cast<const DataSetIterator*>(prefetcher_.get()))
    prefetched = prefetcher_.get();
  if (source != nullptr && multi_prefetcher_ != nullptr &&
      source == static_cast<const MultiDataSetIterator*>(multi_prefetcher_.get()))
    prefetched = multi_prefetcher_.get();
  const bool held =
      prefetched != nullptr && pacing_ != nullptr && pacing_->hold_during_products(device);
  return HeldProduction(held ? prefetched : nullptr);
}

}  // namespace gyre::nn
