#pragma once
// ThreadCensus: the threads Gyre starts (workers, prefetchers, trimmers, simulated
// streams), counted from the start to the end of their bodies. A joined thread is already
// out of the count, unlike the operating system's thread list, which may keep it listed
// until the kernel reaps it: so a caller (a test, a dashboard) can tell exactly that no
// thread was left behind.
#include <atomic>

namespace gyre {

class ThreadCensus {
 public:
  /// Held by a thread's body for its whole life.
  class Member {
   public:
    Member() { live_.fetch_add(1, std::memory_order_acq_rel); }
    ~Member() { live_.fetch_sub(1, std::memory_order_acq_rel); }
    Member(const Member&) = delete;
    Member& operator=(const Member&) = delete;
  };
  /// Gyre's threads running now.
  static int live() { return live_.load(std::memory_order_acquire); }

 private:
  static inline std::atomic<int> live_{0};
};

}  // namespace gyre
