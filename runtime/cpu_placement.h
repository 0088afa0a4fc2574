#pragma once
// CpuPlacement: keeps a helper thread off the CPU of the thread it serves.
//
// Linux wakes a sleeping thread on its previous CPU or on its waker's unless another CPU is
// idle, and a CPU that runs a BLAS worker spinning between calls never is. So a prefetch
// thread can come to share the training step's CPU for good, and then run only while the
// step waits for its batch (measured: 0.055 ms of a 0.8 ms step). Moving it off that CPU
// once fixes the placement for the rest of the run.
#include <pthread.h>
#include <sched.h>

namespace gyre {

class CpuPlacement {
 public:
  /// For the calling thread, remembering its affinity now: moves never go beyond it (a
  /// user's `taskset` holds).
  static CpuPlacement of_current_thread();
  /// The CPU the calling thread runs on now, or -1 where the system does not say.
  static int current_cpu();

  /// Restricts the thread to its remembered CPUs except `cpu`. False, and nothing changes,
  /// when that leaves no CPU or the system refuses.
  bool avoid(int cpu);

 private:
  pthread_t thread_{};
  cpu_set_t allowed_{};
};

}  // namespace gyre
