#include "workspace/memory_manager.h"

#include "runtime/detached_memory.h"
#include "runtime/error.h"
#include "runtime/log.h"
#include "runtime/thread_census.h"

namespace gyre {

MemoryManager& MemoryManager::instance() {
  static MemoryManager manager;
  return manager;
}

MemoryManager::~MemoryManager() {
  toggle_periodic_trim(false);
}

std::size_t MemoryManager::trim() {
  std::size_t freed = detached_resource(Device::cpu()).trim();
  for (const Device device : accelerators()) freed += detached_resource(device).trim();
  std::lock_guard<std::mutex> lock(mutex_);
  ++trims_;
  return freed;
}

void MemoryManager::set_auto_trim_window(std::chrono::milliseconds window) {
  GYRE_CHECK(window.count() > 0, InvalidArgumentError, "the auto-trim window must be > 0 ms, got ",
             window.count(), " ms; use toggle_periodic_trim(false) to turn trimming off");
  std::lock_guard<std::mutex> lock(mutex_);
  window_ = window;
  wake_.notify_all();
}

std::chrono::milliseconds MemoryManager::auto_trim_window() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return window_;
}

void MemoryManager::toggle_periodic_trim(bool enabled) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (enabled == periodic_) return;
  periodic_ = enabled;
  if (enabled) {
    stopping_ = false;
    thread_ = std::thread([this] {
      const ThreadCensus::Member counted;
      run_periodic();
    });
    return;
  }
  stopping_ = true;
  wake_.notify_all();
  std::thread thread = std::move(thread_);
  lock.unlock();
  if (thread.joinable()) thread.join();
}

bool MemoryManager::periodic_trim_active() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return periodic_;
}

std::size_t MemoryManager::trim_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return trims_;
}

void MemoryManager::run_periodic() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_for(lock, window_, [this] { return stopping_; })) break;
    lock.unlock();
    try {
      const std::size_t freed = trim();
      GYRE_LOG(workspace, debug, "periodic trim returned ", freed, " bytes");
    } catch (const std::exception& error) {
      GYRE_LOG(workspace, error, "periodic trim failed: ", error.what());
    }
    lock.lock();
  }
}

}  // namespace gyre
