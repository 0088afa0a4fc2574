// Fused optimizer updates on CUDA: one launch over the flat parameter buffer.
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/optimizer_math.h"

namespace gyre::kernels {
namespace {
template <Optimizer kind>
__global__ void optimizer_kernel(OptimizerArgs args, OptimizerConstants host_constants) {
  // A step counter in device memory (graph replays): each thread derives the constants once.
  const OptimizerConstants constants =
      args.step_counter != nullptr ? optimizer_constants(args, *args.step_counter) : host_constants;
  GYRE_GRID_STRIDE_LOOP(i, args.count) {
    update_element<kind>(args, constants, i);
  }
}
}  // namespace

void CudaBackend::optimizer_update(const OptimizerArgs& args, Stream stream) {
  if (args.count == 0) return;
  const OptimizerConstants constants = optimizer_constants(args, args.step);
  with_optimizer(args.optimizer, [&](auto kind) {
    optimizer_kernel<decltype(kind)::value>
        <<<cuda::blocks_for(args.count), cuda::kThreads, 0, cuda::native(stream)>>>(args,
                                                                                    constants);
  });
  GYRE_CHECK_LAUNCH();
}

namespace {
__global__ void increment_kernel(std::int64_t* counter) {
  ++*counter;
}
}  // namespace

void CudaBackend::increment(std::int64_t* counter, Stream stream) {
  increment_kernel<<<1, 1, 0, cuda::native(stream)>>>(counter);
  GYRE_CHECK_LAUNCH();
}

}  // namespace gyre::kernels
