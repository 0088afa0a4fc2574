#include "workspace/stream_ordering.h"

#include <memory>
#include <mutex>
#include <vector>

#include "runtime/accelerator.h"

namespace gyre {
namespace {

// Fence tokens are indices into a pool of events; 0 means "nothing to wait for" (CPU).
class EventOrdering final : public StreamOrdering {
 public:
  std::uint64_t record(Stream stream) override {
    if (!stream.device().is_accelerator()) return 0;
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t slot;
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      slot = events_.size();
      events_.push_back(std::make_unique<Event>(stream.device()));
    }
    if (events_[slot]->device() != stream.device()) {
      events_[slot] = std::make_unique<Event>(stream.device());  // a slot of another GPU
    }
    events_[slot]->record(stream);
    return slot + 1;
  }

  void wait(Stream stream, std::uint64_t fence) override {
    if (fence == 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    events_[fence - 1]->wait(stream);
  }

  void synchronize(std::uint64_t fence) override {
    if (fence == 0) return;
    Event* event = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);  // the slot stays until forget()
      event = events_[fence - 1].get();
    }
    event->synchronize();  // outside the lock: other workspaces keep recording meanwhile
  }

  bool capturing(Stream stream) override {
    return stream.device().is_accelerator() && accelerator(stream.device()).is_capturing(stream);
  }

  void forget(std::uint64_t fence) override {
    if (fence == 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    free_slots_.push_back(static_cast<std::size_t>(fence - 1));
  }

 private:
  // One pool for the process: a slot is re-recorded before every reuse, and re-created
  // when it is reused for another device.
  std::mutex mutex_;
  std::vector<std::unique_ptr<Event>> events_;
  std::vector<std::size_t> free_slots_;
};

}  // namespace

StreamOrdering& default_stream_ordering() {
  static auto* ordering = new EventOrdering();  // never destroyed: CUDA may be gone at exit
  return *ordering;
}

}  // namespace gyre
