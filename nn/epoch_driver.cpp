#include "nn/epoch_driver.h"

namespace gyre::nn {

EpochDriver::EpochDriver(int prefetch, Device device, std::unique_ptr<PrefetchPacing> pacing)
    : prefetch_(prefetch), device_(device), pacing_(std::move(pacing)) {}

EpochDriver::~EpochDriver() = default;

DataSetIterator& EpochDriver::start(DataSetIterator& data) {
  prefetching_ = prefetch_ > 0 && data.async_supported();
  if (!prefetching_) return data;
  // Idle until the first epoch's restart().
  if (prefetcher_ == nullptr)
    prefetcher_ = std::make_unique<AsyncDataSetIterator>(data, prefetch_, device_, false);
  return *prefetcher_;
}

void EpochDriver::finish() noexcept {
  if (prefetching_ && prefetcher_ != nullptr) prefetcher_->pause();  // `data` is the caller's
  prefetching_ = false;
}

HeldProduction EpochDriver::hold_for_products(const DataSetIterator* source, Device device) const {
  const bool held = source != nullptr && source == prefetcher_.get() && pacing_ != nullptr &&
                    pacing_->hold_during_products(device);
  return HeldProduction(held ? prefetcher_.get() : nullptr);
}

}  // namespace gyre::nn
