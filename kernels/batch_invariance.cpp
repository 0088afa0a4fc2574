#include "kernels/batch_invariance.h"

namespace gyre::kernels {
namespace {
thread_local bool batch_invariant = false;
}

BatchInvariantScope::BatchInvariantScope(bool on) : previous_(batch_invariant) {
  batch_invariant = on || previous_;
}
BatchInvariantScope::~BatchInvariantScope() {
  batch_invariant = previous_;
}
bool BatchInvariantScope::active() {
  return batch_invariant;
}

}  // namespace gyre::kernels
