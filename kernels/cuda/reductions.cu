// Reductions over the middle axis of [outer, axis, inner] on CUDA. Column sums and means of
// a matrix (outer 1: bias gradients) are cuBLAS products with ones. Otherwise one thread
// per output element; neighbouring threads read neighbouring `inner` elements, so loads
// coalesce when inner is large and the loop is short when it is not.
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/launch.cuh"

namespace gyre::kernels {
namespace {

__global__ void reduce_kernel(Reduction reduction, const float* x, float* y, std::int64_t outer,
                              std::int64_t axis, std::int64_t inner) {
  GYRE_GRID_STRIDE_LOOP(index, outer * inner) {
    const std::int64_t o = index / inner, i = index % inner;
    const float* column = x + o * axis * inner + i;
    float result = reduction == Reduction::max ? -INFINITY : 0.0f;
    for (std::int64_t a = 0; a < axis; ++a) {
      const float value = column[a * inner];
      result = reduction == Reduction::max ? fmaxf(result, value) : result + value;
    }
    y[index] = reduction == Reduction::mean ? result / static_cast<float>(axis) : result;
  }
}

__global__ void argmax_kernel(const float* x, std::int64_t* y, std::int64_t outer,
                              std::int64_t axis, std::int64_t inner) {
  GYRE_GRID_STRIDE_LOOP(index, outer * inner) {
    const std::int64_t o = index / inner, i = index % inner;
    const float* column = x + o * axis * inner + i;
    std::int64_t best = 0;
    for (std::int64_t a = 1; a < axis; ++a) {
      if (column[a * inner] > column[best * inner]) best = a;
    }
    y[index] = best;
  }
}

}  // namespace

void CudaBackend::reduce(Reduction reduction, const float* x, float* y, std::int64_t outer,
                         std::int64_t axis, std::int64_t inner, Stream stream) {
  if (outer * inner == 0) return;
  if (outer == 1 && inner > 1 && axis > 0 && reduction != Reduction::max) {
    // Column sums of a row-major [axis, inner] matrix (bias gradients): cuBLAS's product of
    // the column-major [inner, axis] matrix with a vector of ones.
    const float alpha = reduction == Reduction::mean ? 1.0f / static_cast<float>(axis) : 1.0f;
    const float beta = 0.0f;
    GYRE_CUBLAS_CHECK(cublasSgemv(cuda::cublas(stream), CUBLAS_OP_N, static_cast<int>(inner),
                                  static_cast<int>(axis), &alpha, x, static_cast<int>(inner),
                                  cuda::ones(stream, axis), 1, &beta, y, 1));
    return;
  }
  reduce_kernel<<<cuda::blocks_for(outer * inner), cuda::kThreads, 0, cuda::native(stream)>>>(
      reduction, x, y, outer, axis, inner);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::argmax(const float* x, std::int64_t* y, std::int64_t outer, std::int64_t axis,
                         std::int64_t inner, Stream stream) {
  if (outer * inner == 0) return;
  argmax_kernel<<<cuda::blocks_for(outer * inner), cuda::kThreads, 0, cuda::native(stream)>>>(
      x, y, outer, axis, inner);
  GYRE_CHECK_LAUNCH();
}

}  // namespace gyre::kernels
