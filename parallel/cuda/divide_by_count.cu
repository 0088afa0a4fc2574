#include <cuda_runtime.h>

#include <algorithm>

#include "parallel/cuda/divide_by_count.h"
#include "runtime/error.h"

namespace gyre::parallel {
namespace {
__global__ void divide_kernel(float* buffer, const float* sums, std::int64_t count) {
  const float total = sums[count];
  if (total == 0.0f) return;  // nobody contributed: the buffer stays as it was (the caller throws)
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    buffer[i] = sums[i] / total;
  }
}
}  // namespace

void divide_by_count(float* buffer, const float* sums, std::int64_t count, void* stream) {
  const int threads = 256;
  const auto blocks =
      static_cast<unsigned>(std::min<std::int64_t>((count + threads - 1) / threads, 4096));
  divide_kernel<<<std::max(blocks, 1u), threads, 0, static_cast<cudaStream_t>(stream)>>>(
      buffer, sums, count);
  const cudaError_t error = cudaGetLastError();
  GYRE_CHECK(error == cudaSuccess, DeviceError, "divide_by_count: ", cudaGetErrorString(error));
}

}  // namespace gyre::parallel
