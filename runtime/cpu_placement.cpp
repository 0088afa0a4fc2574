#include "runtime/cpu_placement.h"

namespace gyre {

CpuPlacement CpuPlacement::of_current_thread() {
  CpuPlacement placement;
  placement.thread_ = pthread_self();
  CPU_ZERO(&placement.allowed_);
  if (pthread_getaffinity_np(placement.thread_, sizeof placement.allowed_, &placement.allowed_) !=
      0) {
    CPU_ZERO(&placement.allowed_);  // unknown: avoid() then never moves it
  }
  return placement;
}

int CpuPlacement::current_cpu() {
  return sched_getcpu();
}

bool CpuPlacement::avoid(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t mask = allowed_;
  CPU_CLR(cpu, &mask);
  if (CPU_COUNT(&mask) == 0) return false;
  return pthread_setaffinity_np(thread_, sizeof mask, &mask) == 0;
}

}  // namespace gyre
