// Fused optimizer updates over one flat buffer on the CPU; the formulas match kernels/cuda.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/optimizer_math.h"

namespace gyre::kernels {

void CpuBackend::optimizer_update(const OptimizerArgs& args, Stream) {
  const OptimizerConstants constants = optimizer_constants(args);
  with_optimizer(args.optimizer, [&](auto kind) {
    for (std::int64_t i = 0; i < args.count; ++i)
      update_element<decltype(kind)::value>(args, constants, i);
  });
}

}  // namespace gyre::kernels
