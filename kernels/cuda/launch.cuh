#pragma once
// Launch helpers shared by Gyre's CUDA kernels: grid-stride loops over 256-thread blocks,
// block-wide reductions, and the check after every launch.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "kernels/cuda/library_handles.h"
#include "runtime/cuda/cuda_check.h"

namespace gyre::kernels::cuda {

constexpr int kThreads = 256;

inline unsigned int blocks_for(std::int64_t count) {
  return static_cast<unsigned int>(
      std::max<std::int64_t>(1, std::min<std::int64_t>((count + kThreads - 1) / kThreads, 8192)));
}

/// for (i = global thread; i < count; i += grid size)
#define GYRE_GRID_STRIDE_LOOP(i, count)                                                   \
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; \
       i < (count); i += static_cast<std::int64_t>(blockDim.x) * gridDim.x)

/// Launch errors surface as gyre::CudaError at the launching op.
#define GYRE_CHECK_LAUNCH() GYRE_CUDA_CHECK(cudaGetLastError())

struct SumOp {
  __device__ float operator()(float a, float b) const { return a + b; }
};
struct MaxOp {
  __device__ float operator()(float a, float b) const { return a > b ? a : b; }
};

/// Combines one value per thread of the block; every thread gets the result.
template <typename Op>
__device__ float block_reduce(float value, Op op) {
  __shared__ float partial[32];
  __shared__ float result;
  for (int offset = 16; offset > 0; offset /= 2)
    value = op(value, __shfl_down_sync(0xffffffffu, value, offset));
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) partial[warp] = value;
  __syncthreads();
  if (warp == 0) {
    const int warps = (blockDim.x + 31) / 32;
    value = lane < warps ? partial[lane] : partial[0];
    for (int offset = 16; offset > 0; offset /= 2)
      value = op(value, __shfl_down_sync(0xffffffffu, value, offset));
    if (lane == 0) result = value;
  }
  __syncthreads();
  const float combined = result;
  __syncthreads();  // `result` and `partial` may be reused by the next call
  return combined;
}

}  // namespace gyre::kernels::cuda
