#pragma once
// ScopedAffinity: a test pins its thread to one CPU and gets the CPUs it had back at the end
// of the scope, whatever the test's outcome.
#include <pthread.h>
#include <sched.h>

namespace gyre::testing {

class ScopedAffinity {
 public:
  ScopedAffinity() {
    CPU_ZERO(&given_);
    pthread_getaffinity_np(pthread_self(), sizeof given_, &given_);
  }
  ~ScopedAffinity() { pthread_setaffinity_np(pthread_self(), sizeof given_, &given_); }
  ScopedAffinity(const ScopedAffinity&) = delete;
  ScopedAffinity& operator=(const ScopedAffinity&) = delete;

  /// The CPUs the thread had when the scope began.
  const cpu_set_t& given() const { return given_; }
  /// Confines the thread to `cpu`; false if the system refuses.
  static bool pin_to(int cpu) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0;
  }

 private:
  cpu_set_t given_;
};

}  // namespace gyre::testing
