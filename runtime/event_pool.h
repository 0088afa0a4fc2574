#pragma once
// EventPool: events of one device, reused. Creating a CUDA event is a driver call; a
// producer that hands every request's input to another thread through an event (a
// serving queue) takes one from the pool and gives it back once the consumer's stream
// waits on it. Re-recording is then safe: a stream wait binds to the record made before it.
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "runtime/stream.h"

namespace gyre {

class EventPool {
 public:
  explicit EventPool(Device device) : device_(device) {}

  /// An idle event of the pool's device, or a new one when none is idle.
  std::unique_ptr<Event> acquire();
  /// Gives an event back for reuse (any pending stream wait on it stays bound to its
  /// earlier record). Null is ignored.
  void release(std::unique_ptr<Event> event);

  Device device() const { return device_; }
  /// Events made so far: the pool's size once the load is steady.
  std::size_t created() const;

 private:
  Device device_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Event>> idle_;
  std::size_t created_ = 0;
};

}  // namespace gyre
