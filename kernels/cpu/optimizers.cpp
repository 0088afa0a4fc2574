// Fused optimizer updates over one flat buffer on the CPU; the formulas match kernels/cuda.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/parallel_ranges.h"
#include "kernels/optimizer_math.h"
#include "kernels/vector_clones.h"

namespace gyre::kernels {

namespace {
// Inlined into each clone below, so each gets its own vectorized loop; the local copies keep
// the pointers and constants out of reach of the stores (no aliasing to re-check).
template <Optimizer kind>
[[gnu::always_inline]] inline void update_loop(const OptimizerArgs& in,
                                               const OptimizerConstants& constants_in,
                                               std::int64_t first, std::int64_t last) {
  const OptimizerArgs args = in;
  const OptimizerConstants constants = constants_in;
  for (std::int64_t i = first; i < last; ++i) update_element<kind>(args, constants, i);
}

// Elements [first, last): one thread's share (a clone call, so the thread runs the clone of
// its CPU even from inside an OpenMP region).
GYRE_VECTOR_CLONES void update_range(const OptimizerArgs& args, const OptimizerConstants& constants,
                                     std::int64_t first, std::int64_t last) {
  switch (args.optimizer) {
    case Optimizer::sgd:
      return update_loop<Optimizer::sgd>(args, constants, first, last);
    case Optimizer::momentum:
      return update_loop<Optimizer::momentum>(args, constants, first, last);
    case Optimizer::nesterov:
      return update_loop<Optimizer::nesterov>(args, constants, first, last);
    case Optimizer::adam:
      return update_loop<Optimizer::adam>(args, constants, first, last);
    case Optimizer::adamw:
      return update_loop<Optimizer::adamw>(args, constants, first, last);
  }
}
}  // namespace

void CpuBackend::optimizer_update(const OptimizerArgs& args, Stream) {
  const OptimizerConstants constants = optimizer_constants(args);
  parallel_ranges(args.count, 32768, [&](std::int64_t first, std::int64_t last) {
    update_range(args, constants, first, last);
  });
}

}  // namespace gyre::kernels
