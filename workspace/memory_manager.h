#pragma once
// MemoryManager: the memory that is not in a workspace. Detached tensors come from a
// caching resource per device; trimming returns its idle blocks to the system. The C++
// counterpart of ND4J's periodic GC knobs: set_auto_trim_window(ms) and
// toggle_periodic_trim(bool), plus trim() on demand.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

namespace gyre {

class MemoryManager {
 public:
  static MemoryManager& instance();
  ~MemoryManager();

  /// Returns the idle cached blocks of every device's detached-tensor cache; bytes freed.
  std::size_t trim();
  /// Minimal time between two periodic trims (default 5000 ms; must be > 0).
  void set_auto_trim_window(std::chrono::milliseconds window);
  std::chrono::milliseconds auto_trim_window() const;
  /// Starts or stops a background thread that trims once per window (off by default).
  void toggle_periodic_trim(bool enabled);
  bool periodic_trim_active() const;
  /// Trims run so far (on demand and periodic).
  std::size_t trim_count() const;

 private:
  MemoryManager() = default;
  void run_periodic();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::chrono::milliseconds window_{5000};
  bool periodic_ = false;
  bool stopping_ = false;
  std::size_t trims_ = 0;
  std::thread thread_;
};

}  // namespace gyre
