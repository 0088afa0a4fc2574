#pragma once
// PrefetchPacing: an optional policy for when a training step lets its prefetcher prepare
// the next batch. Without one, production is never held back.
#include "nn/async_iterator.h"
#include "runtime/device.h"

namespace gyre::nn {

class PrefetchPacing {
 public:
  virtual ~PrefetchPacing() = default;
  /// Whether production waits while a step on `device` computes its products (forward and
  /// backward); it is allowed again for the step's update. An empty queue is refilled
  /// regardless, so the step never waits on the pacing.
  virtual bool hold_during_products(Device device) const = 0;
};

/// Holds production back on the CPU while multi-threaded BLAS keeps every core busy: a batch
/// prepared during a product would preempt one GEMM thread, and the product would wait for
/// its slower half. With a core to spare (one BLAS thread, or a GPU step) it never holds.
class BusyCoresPacing final : public PrefetchPacing {
 public:
  bool hold_during_products(Device device) const override;
};

/// Holds a prefetcher's production back from construction until resume() or destruction
/// (a no-op for a null prefetcher).
class HeldProduction {
 public:
  explicit HeldProduction(AsyncPrefetcher* prefetcher) : prefetcher_(prefetcher) {
    if (prefetcher_ != nullptr) prefetcher_->allow_production(false);
  }
  ~HeldProduction() { resume(); }
  HeldProduction(const HeldProduction&) = delete;
  HeldProduction& operator=(const HeldProduction&) = delete;

  void resume() {
    if (prefetcher_ != nullptr) prefetcher_->allow_production(true);
    prefetcher_ = nullptr;
  }

 private:
  AsyncPrefetcher* prefetcher_;
};

}  // namespace gyre::nn
