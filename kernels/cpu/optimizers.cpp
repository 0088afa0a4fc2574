// Fused optimizer updates over one flat buffer on the CPU; the formulas match kernels/cuda.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/optimizer_math.h"
#include "kernels/vector_clones.h"

namespace gyre::kernels {

namespace {
// Inlined into each clone below, so each gets its own vectorized loop; the local copies keep
// the pointers and constants out of reach of the stores (no aliasing to re-check).
template <Optimizer kind>
[[gnu::always_inline]] inline void update_loop(const OptimizerArgs& in,
                                               const OptimizerConstants& constants_in) {
  const OptimizerArgs args = in;
  const OptimizerConstants constants = constants_in;
  for (std::int64_t i = 0; i < args.count; ++i) update_element<kind>(args, constants, i);
}

GYRE_VECTOR_CLONES void update_all(const OptimizerArgs& args, const OptimizerConstants& constants) {
  switch (args.optimizer) {
    case Optimizer::sgd:
      return update_loop<Optimizer::sgd>(args, constants);
    case Optimizer::momentum:
      return update_loop<Optimizer::momentum>(args, constants);
    case Optimizer::nesterov:
      return update_loop<Optimizer::nesterov>(args, constants);
    case Optimizer::adam:
      return update_loop<Optimizer::adam>(args, constants);
    case Optimizer::adamw:
      return update_loop<Optimizer::adamw>(args, constants);
  }
}
}  // namespace

void CpuBackend::optimizer_update(const OptimizerArgs& args, Stream) {
  const std::int64_t step = args.step_counter != nullptr ? *args.step_counter : args.step;
  update_all(args, optimizer_constants(args, step));
}

void CpuBackend::increment(std::int64_t* counter, Stream) {
  ++*counter;
}

}  // namespace gyre::kernels
