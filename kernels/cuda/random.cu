// Dropout and random fills on CUDA, from the same Philox streams as the CPU.
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/philox.h"

namespace gyre::kernels {
namespace {

__global__ void dropout_kernel(const float* x, float* y, std::int64_t count, float p, float scale,
                               std::uint64_t seed, std::uint64_t offset,
                               const std::int64_t* iteration) {
  if (iteration != nullptr)
    seed = philox::iteration_key(seed, static_cast<std::uint64_t>(*iteration));
  GYRE_GRID_STRIDE_LOOP(i, count) {
    const bool keep = philox::uniform(seed, offset + static_cast<std::uint64_t>(i)) >= p;
    y[i] = keep ? x[i] * scale : 0.0f;
  }
}

__global__ void fill_random_kernel(Distribution distribution, float* y, std::int64_t count, float a,
                                   float b, std::uint64_t seed) {
  GYRE_GRID_STRIDE_LOOP(i, count) {
    const auto index = static_cast<std::uint64_t>(i);
    y[i] = distribution == Distribution::uniform ? a + (b - a) * philox::uniform(seed, index)
                                                 : a + b * philox::normal(seed, index);
  }
}

}  // namespace

void CudaBackend::dropout(const float* x, float* y, std::int64_t count, float p, std::uint64_t seed,
                          std::uint64_t offset, const std::int64_t* iteration, Stream stream) {
  if (count == 0) return;
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  dropout_kernel<<<cuda::blocks_for(count), cuda::kThreads, 0, cuda::native(stream)>>>(
      x, y, count, p, scale, seed, offset, iteration);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::fill_random(Distribution distribution, float* y, std::int64_t count, float a,
                              float b, std::uint64_t seed, Stream stream) {
  if (count == 0) return;
  fill_random_kernel<<<cuda::blocks_for(count), cuda::kThreads, 0, cuda::native(stream)>>>(
      distribution, y, count, a, b, seed);
  GYRE_CHECK_LAUNCH();
}

}  // namespace gyre::kernels
