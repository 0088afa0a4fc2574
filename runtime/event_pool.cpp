#include "runtime/event_pool.h"

#include <utility>

#include "runtime/error.h"

namespace gyre {

std::unique_ptr<Event> EventPool::acquire() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Event> event = std::move(idle_.back());
      idle_.pop_back();
      return event;
    }
  }
  auto event = std::make_unique<Event>(device_);  // outside the lock: a driver call
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.reserve(created_ + 1);  // so that release() never reallocates
  ++created_;
  return event;
}

void EventPool::release(std::unique_ptr<Event> event) {
  if (event == nullptr) return;
  GYRE_ASSERT(event->device() == device_, "EventPool of ", device_, " given an event of ",
              event->device());
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(std::move(event));
}

std::size_t EventPool::created() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return created_;
}

}  // namespace gyre
