#include "nn/async_iterator.h"

#include <atomic>
#include <string>

#include "runtime/error.h"
#include "runtime/log.h"
#include "workspace/workspace_manager.h"

namespace gyre::nn {
namespace {
std::atomic<std::uint64_t> next_ring_id{1};
using Clock = std::chrono::steady_clock;
}  // namespace

AsyncDataSetIterator::AsyncDataSetIterator(DataSetIterator& source, int prefetch)
    : source_(source), prefetch_(prefetch) {
  GYRE_CHECK(prefetch >= 1, InvalidArgumentError, "AsyncDataSetIterator: prefetch ", prefetch,
             " must be >= 1");
  queue_.resize(static_cast<std::size_t>(prefetch));
  start();
}

AsyncDataSetIterator::~AsyncDataSetIterator() {
  stop();
}

void AsyncDataSetIterator::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = finished_ = false;
  failure_ = nullptr;
  head_ = count_ = 0;
  producer_ = std::thread([this] { produce(); });
}

void AsyncDataSetIterator::stop() noexcept {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (producer_.joinable()) producer_.join();  // its workspaces (the ring) go with it
  for (Slot& slot : queue_) slot.data = DataSet{};
  holding_ = false;
  ring_ = nullptr;
}

void AsyncDataSetIterator::produce() {
  // The ring learns its size from the first batch: slot = batch × 1.3, prefetch + 3 slots
  // (ND4J's sizing); it grows, logged, rather than overwrite a batch still in use.
  WorkspaceConfig config;
  config.reset = ResetPolicy::CYCLIC;
  config.overallocation = 1.3 * (prefetch_ + 3) - 1.0;
  const std::string id = "ADSI_RING_" + std::to_string(next_ring_id.fetch_add(1));
  WorkspaceManager& manager = WorkspaceManager::current();
  std::size_t ring_bytes = 0;
  try {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        const auto start = Clock::now();
        changed_.wait(lock, [this] { return stopping_ || (!finished_ && count_ < queue_.size()); });
        statistics_.producer_wait += Clock::now() - start;
        if (stopping_) break;
      }
      if (!source_.has_next()) {
        std::lock_guard<std::mutex> lock(mutex_);
        finished_ = true;  // the epoch is over: wait for reset() or the end
        changed_.notify_all();
        continue;
      }
      Slot slot;
      Workspace* ring = nullptr;
      {
        WorkspaceScope scope = manager.activate(id, config);  // the batch is made in the ring
        ring = scope.workspace();
        slot.cycle = ring->cycle();
        slot.data = source_.next();
      }
      std::lock_guard<std::mutex> lock(mutex_);
      ring_ = ring;
      if (ring->reserved_bytes() > ring_bytes) {
        if (ring_bytes != 0) ++statistics_.ring_growths;
        ring_bytes = ring->reserved_bytes();
      }
      statistics_.ring_bytes = ring_bytes;
      queue_[(head_ + count_) % queue_.size()] = std::move(slot);
      ++count_;
      changed_.notify_all();
    }
  } catch (...) {
    // Keep the thread (and so its ring, which the consumer's batch lives in) until stop():
    // a thread that ended here would take its workspaces with it.
    std::unique_lock<std::mutex> lock(mutex_);
    failure_ = std::current_exception();
    changed_.notify_all();
    changed_.wait(lock, [this] { return stopping_; });
  }
}

void AsyncDataSetIterator::release_held() noexcept {
  if (!holding_ || ring_ == nullptr) return;
  try {
    ring_->release_through(held_cycle_);  // the previous batch's region may be reused now
  } catch (const std::exception& error) {
    GYRE_LOG(nn, error, "AsyncDataSetIterator: releasing cycle ", held_cycle_,
             " failed: ", error.what());
  }
  holding_ = false;
}

bool AsyncDataSetIterator::has_next() {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto start = Clock::now();
  changed_.wait(lock, [this] { return count_ > 0 || finished_ || failure_ != nullptr; });
  statistics_.consumer_wait += Clock::now() - start;
  if (failure_ != nullptr && count_ == 0) std::rethrow_exception(failure_);
  return count_ > 0;
}

DataSet AsyncDataSetIterator::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  release_held();
  const auto start = Clock::now();
  changed_.wait(lock, [this] { return count_ > 0 || finished_ || failure_ != nullptr; });
  statistics_.consumer_wait += Clock::now() - start;
  if (count_ == 0) {
    if (failure_ != nullptr) std::rethrow_exception(failure_);
    throw InvalidArgumentError(
        "AsyncDataSetIterator::next() after the end of the epoch; call reset()");
  }
  Slot& slot = queue_[head_];
  head_ = (head_ + 1) % queue_.size();
  --count_;
  holding_ = true;
  held_cycle_ = slot.cycle;
  DataSet result = std::move(slot.data);
  ++statistics_.batches;
  changed_.notify_all();
  return result;
}

void AsyncDataSetIterator::reset() {
  stop();
  source_.reset();
  start();
}

AsyncIteratorStatistics AsyncDataSetIterator::statistics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return statistics_;
}

}  // namespace gyre::nn
