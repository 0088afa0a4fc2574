#include "nn/async_iterator.h"

#include <atomic>
#include <optional>
#include <string>

#include "runtime/error.h"
#include "runtime/log.h"
#include "runtime/memory_scope.h"
#include "runtime/strcat.h"
#include "runtime/tensor_copy.h"
#include "runtime/thread_census.h"
#include "workspace/workspace_manager.h"

namespace gyre::nn {
namespace {
std::atomic<std::uint64_t> next_ring_id{1};
using Clock = std::chrono::steady_clock;

// While current for the host, new host tensors land in a workspace's pinned mirror: the
// source's batch is then ready for an asynchronous copy to the device.
class PinnedMirrorScope final : public MemoryScope {
 public:
  explicit PinnedMirrorScope(Workspace& ring)
      : ring_(ring), previous_(MemoryScope::exchange_current(Device::cpu(), this)) {}
  ~PinnedMirrorScope() { MemoryScope::exchange_current(Device::cpu(), previous_); }
  PinnedMirrorScope(const PinnedMirrorScope&) = delete;
  PinnedMirrorScope& operator=(const PinnedMirrorScope&) = delete;

  ScopedAllocation allocate(std::size_t bytes, std::size_t alignment, Stream stream) override {
    return ring_.allocate(bytes, MemoryKind::pinned_host, alignment, stream);
  }
  bool owns(const Lifetime* lifetime) const override { return ring_.owns(lifetime); }

 private:
  Workspace& ring_;
  MemoryScope* previous_;
};

// While alive, new tensors of `device` land in `scope` (restored on exit).
class ScopeOverride {
 public:
  ScopeOverride(Device device, MemoryScope* scope)
      : device_(device), previous_(MemoryScope::exchange_current(device, scope)) {}
  ~ScopeOverride() { MemoryScope::exchange_current(device_, previous_); }
  ScopeOverride(const ScopeOverride&) = delete;
  ScopeOverride& operator=(const ScopeOverride&) = delete;

 private:
  Device device_;
  MemoryScope* previous_;
};

// The host tensor's twin in the current (device) scope, filled on the current stream.
Tensor to_device(const Tensor& host, Device device) {
  if (!host.defined() || host.device() == device) return host;
  Tensor copy = Tensor::empty(host.shape(), host.dtype(), device);
  copy_tensor(host, copy);
  return copy;
}
}  // namespace

AsyncPrefetcher::AsyncPrefetcher(int prefetch, Device device, bool start, const char* name)
    : prefetch_(prefetch), device_(device), name_(name), paused_(!start), finished_(!start) {
  GYRE_CHECK(prefetch >= 1, InvalidArgumentError, name, ": prefetch ", prefetch, " must be >= 1");
  cycles_.resize(static_cast<std::size_t>(prefetch));
  for (int i = 0; i < prefetch; ++i) copied_.push_back(std::make_unique<Event>(device));
}

AsyncPrefetcher::~AsyncPrefetcher() {
  stop_producer();
}

void AsyncPrefetcher::start_producer() {
  producer_ = std::thread([this] {
    const ThreadCensus::Member counted;
    produce();
  });
}

void AsyncPrefetcher::stop_producer() noexcept {
  if (!producer_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  producer_.join();  // its workspaces (the ring) go with it
}

void AsyncPrefetcher::allow_production(bool allowed) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (production_allowed_ == allowed) return;
    production_allowed_ = allowed;
    if (allowed) keep_producer_off(CpuPlacement::current_cpu());
  }
  if (allowed) changed_.notify_all();
}

void AsyncPrefetcher::keep_producer_off(int consumer_cpu) {
  if (consumer_cpu < 0 || statistics_.producer_cpu != consumer_cpu || avoided_cpu_ == consumer_cpu)
    return;
  if (producer_placement_.avoid(consumer_cpu)) {
    avoided_cpu_ = consumer_cpu;
    ++statistics_.producer_moves;
  }
}

void AsyncPrefetcher::produce() {
  // The ring learns its size from the first batch: slot = batch × 1.3, prefetch + 3 slots
  // (ND4J's sizing); it grows, logged, rather than overwrite a batch still in use. On an
  // accelerator it is a DEVICE_ONLY ring, fed from a pinned HOST_ONLY staging ring (a CYCLIC
  // workspace is one ring of one memory kind).
  WorkspaceConfig config;
  config.reset = ResetPolicy::CYCLIC;
  config.overallocation = 1.3 * (prefetch_ + 3) - 1.0;
  const std::string id = "ADSI_RING_" + std::to_string(next_ring_id.fetch_add(1));
  std::optional<DeviceGuard> on_device;    // a new thread starts on device 0
  std::optional<OwnedStream> copy_stream;  // accelerator: copies overlap the consumer's compute
  std::optional<StreamGuard> on_copy_stream;
  std::unique_lock<std::mutex> lock(mutex_);
  producer_placement_ = CpuPlacement::of_current_thread();
  try {
    if (device_.is_accelerator()) {
      on_device.emplace(device_);
      copy_stream.emplace(device_);
      on_copy_stream.emplace(copy_stream->view());
    }
  } catch (...) {
    failure_ = std::current_exception();
  }
  std::size_t ring_bytes = 0;
  for (;;) {
    const bool full = count_ >= cycles_.size();
    const auto start = Clock::now();
    changed_.wait(lock, [this] {
      parked_ = !stopping_ && (paused_ || finished_ || failure_ != nullptr ||
                               count_ >= cycles_.size() || (!production_allowed_ && count_ != 0));
      return !parked_;
    });
    if (full) statistics_.producer_wait += Clock::now() - start;
    if (stopping_) break;
    const std::size_t index = (head_ + count_) % cycles_.size();
    busy_ = true;
    lock.unlock();
    Workspace* ring = nullptr;
    bool produced = false;
    std::exception_ptr error;
    try {
      if (source_has_next()) {
        make_batch(id, config, ring, index, copy_stream ? copy_stream->view() : Stream());
        produced = true;
      }
    } catch (...) {
      error = std::current_exception();
    }
    const int cpu = CpuPlacement::current_cpu();
    lock.lock();
    busy_ = false;
    if (error != nullptr) {
      failure_ = error;  // the thread (and its ring) stays until reset() or destruction
    } else if (!produced) {
      finished_ = true;  // the epoch is over: wait for restart() or the end
    } else {
      ring_ = ring;
      unreleased_ = true;
      newest_cycle_ = cycles_[index];
      const std::size_t bytes =
          ring->reserved_bytes() + (staging_ != nullptr ? staging_->reserved_bytes() : 0);
      if (bytes > ring_bytes) {
        if (ring_bytes != 0) ++statistics_.ring_growths;
        ring_bytes = bytes;
      }
      statistics_.ring_bytes = ring_bytes;
      ++count_;
      statistics_.producer_cpu = cpu;
    }
    changed_.notify_all();
  }
}

void AsyncPrefetcher::make_batch(const std::string& id, const WorkspaceConfig& config,
                                 Workspace*& ring, std::size_t index, Stream copy_stream) {
  WorkspaceScope scope =
      WorkspaceManager::for_device(device_).activate(id, config);  // the batch is made in the ring
  ring = scope.workspace();
  cycles_[index] = ring->cycle();
  if (device_.is_cpu()) {
    read_source(index, false);
    return;
  }
  // The source writes the batch into the pinned staging ring, the copy stream moves it into
  // the device ring, and the consumer's stream waits for the copy (next()). The staging
  // memory is rewritten by host code, which no stream wait can order: the previous batch's
  // staging cycle is released only once the host has seen its copy complete.
  if (staging_held_) {
    copied_[staging_slot_]->synchronize();
    staging_->release_through(staging_cycle_);
    staging_held_ = false;
  }
  WorkspaceConfig staging_config = config;
  staging_config.mirroring = MirroringPolicy::HOST_ONLY;
  {
    WorkspaceScope staging_scope =
        WorkspaceManager::for_device(device_).activate(id + "_PINNED", staging_config);
    staging_ = staging_scope.workspace();
    staging_cycle_ = staging_->cycle();
    staging_slot_ = index;
    staging_held_ = true;
    // The source's host tensors go to the staging ring, its device tensors (a source that
    // moves its batches itself) to the device ring, never to the pinned one.
    const ScopeOverride device_tensors(device_, ring);
    PinnedMirrorScope pinned(*staging_);
    read_source(index, true);
  }
  copy_staged(index);
  copied_[index]->record(copy_stream);
}

// Everything up to `cycle` may be reused once the consumer's stream is past it.
void AsyncPrefetcher::release_through(std::uint64_t cycle) noexcept {
  if (ring_ == nullptr) return;
  try {
    ring_->release_through(cycle, Stream::current(device_));
  } catch (const std::exception& error) {
    GYRE_LOG(nn, error, name_, ": releasing cycles through ", cycle, " failed: ", error.what());
  }
}

void AsyncPrefetcher::release_held() noexcept {
  if (holding_) release_through(held_cycle_);
  holding_ = false;
}

void AsyncPrefetcher::drop_all(std::unique_lock<std::mutex>& lock) {
  paused_ = true;
  changed_.wait(lock, [this] { return !busy_; });  // the producer is out of its source
  clear_slots();
  head_ = count_ = 0;
  holding_ = false;
  if (unreleased_) release_through(newest_cycle_);
  unreleased_ = false;
  finished_ = false;
  failure_ = nullptr;
}

void AsyncPrefetcher::pause() noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  drop_all(lock);
  finished_ = true;  // has_next() is false until restart()
}

void AsyncPrefetcher::resume() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_ = false;
    production_allowed_ = true;
  }
  changed_.notify_all();
}

bool AsyncPrefetcher::wait_for_batch() {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto start = Clock::now();
  changed_.wait(lock, [this] { return count_ > 0 || finished_ || failure_ != nullptr; });
  statistics_.consumer_wait += Clock::now() - start;
  if (failure_ != nullptr && count_ == 0) std::rethrow_exception(failure_);
  return count_ > 0;
}

void AsyncPrefetcher::take_next() {
  std::unique_lock<std::mutex> lock(mutex_);
  release_held();
  const auto start = Clock::now();
  changed_.wait(lock, [this] { return count_ > 0 || finished_ || failure_ != nullptr; });
  statistics_.consumer_wait += Clock::now() - start;
  if (count_ == 0) {
    if (failure_ != nullptr) std::rethrow_exception(failure_);
    throw InvalidArgumentError(strcat(name_, "::next() after the end of the epoch; call reset()"));
  }
  copied_[head_]->wait(Stream::current(device_));  // accelerator: the consumer's stream waits
  take_slot(head_);
  holding_ = true;
  held_cycle_ = cycles_[head_];
  head_ = (head_ + 1) % cycles_.size();
  --count_;
  ++statistics_.batches;
  changed_.notify_all();
}

bool AsyncPrefetcher::producer_parked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return parked_;
}

AsyncIteratorStatistics AsyncPrefetcher::statistics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return statistics_;
}

// The batch types' moves: into a device slot, and cleared keeping their vectors.
namespace {
void copy_to_device(const DataSet& host, DataSet& slot, Device device) {
  slot.features = to_device(host.features, device);
  slot.labels = to_device(host.labels, device);
  slot.features_mask = to_device(host.features_mask, device);
  slot.labels_mask = to_device(host.labels_mask, device);
}

void copy_all(const std::vector<Tensor>& host, std::vector<Tensor>& slot, Device device) {
  slot.clear();  // keeps the capacity
  for (const Tensor& tensor : host) slot.push_back(to_device(tensor, device));
}

void copy_to_device(const MultiDataSet& host, MultiDataSet& slot, Device device) {
  copy_all(host.features, slot.features, device);
  copy_all(host.labels, slot.labels, device);
  copy_all(host.features_masks, slot.features_masks, device);
  copy_all(host.labels_masks, slot.labels_masks, device);
}

void clear(DataSet& batch) {
  batch = DataSet{};
}

void clear(MultiDataSet& batch) {
  batch.features.clear();
  batch.labels.clear();
  batch.features_masks.clear();
  batch.labels_masks.clear();
}

template <typename Batch>
const char* name_of();
template <>
const char* name_of<DataSet>() {
  return "AsyncDataSetIterator";
}
template <>
const char* name_of<MultiDataSet>() {
  return "AsyncMultiDataSetIterator";
}
}  // namespace

template <typename Source>
AsyncIterator<Source>::AsyncIterator(Source& source, int prefetch, Device device, bool start)
    : AsyncPrefetcher(prefetch, device, start, name_of<Batch>()), source_(&source) {
  slots_.resize(static_cast<std::size_t>(prefetch));
  start_producer();
}

template <typename Source>
AsyncIterator<Source>::~AsyncIterator() {
  stop_producer();  // before the slots go
}

template <typename Source>
void AsyncIterator<Source>::restart(Source& source) {
  restart_with([&] {
    source_ = &source;
    source.reset();
  });
}

template <typename Source>
void AsyncIterator<Source>::read_source(std::size_t index, bool staged) {
  (staged ? staged_ : slots_[index]) = source_->next();  // a MultiDataSet reuses the vectors
}

template <typename Source>
void AsyncIterator<Source>::copy_staged(std::size_t index) {
  copy_to_device(staged_, slots_[index], device());
  clear(staged_);
}

// Swapped, not moved: the vectors of the held batch and the slot stay allocated.
template <typename Source>
void AsyncIterator<Source>::take_slot(std::size_t index) {
  std::swap(held_, slots_[index]);
  clear(slots_[index]);
}

template <typename Source>
void AsyncIterator<Source>::clear_slots() {
  for (Batch& slot : slots_) clear(slot);
  clear(held_);
}

template class AsyncIterator<DataSetIterator>;
template class AsyncIterator<MultiDataSetIterator>;

}  // namespace gyre::nn
