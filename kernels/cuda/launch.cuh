#pragma once
// Launch helpers shared by Gyre's CUDA kernels: grid-stride loops over 256-thread blocks,
// block-wide reductions (CUB), and the check after every launch.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cub/block/block_reduce.cuh>
#include <cuda/functional>

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

/// Combines one value per thread of a kThreads-thread block (CUB's BlockReduce, whose
/// lanes past the last value are never combined); every thread gets the result.
template <typename Op>
__device__ float block_reduce(float value, Op op) {
  using Reduce = cub::BlockReduce<float, kThreads>;
  __shared__ typename Reduce::TempStorage storage;
  __shared__ float result;
  const float combined = Reduce(storage).Reduce(value, op);  // valid in thread 0
  if (threadIdx.x == 0) result = combined;
  __syncthreads();
  const float everyone = result;
  __syncthreads();  // `storage` and `result` may be reused by the next call
  return everyone;
}

}  // namespace gyre::kernels::cuda
