// Losses on CUDA: one block computes the batch mean into the device scalar (losses are
// batch-sized; one block keeps the sum's order fixed and the launch count at one).
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/launch.cuh"

namespace gyre::kernels {
namespace {
constexpr float kProbabilityFloor = 1e-7f;
__device__ float clamp_probability(float p) {
  return fminf(fmaxf(p, kProbabilityFloor), 1.0f - kProbabilityFloor);
}

// One block per row: probabilities and the row's loss −Σ t (x − log Σ exp x).
__global__ void softmax_cross_entropy_rows(const float* logits, const float* targets,
                                           float* probabilities, float* row_loss,
                                           std::int64_t cols) {
  const std::int64_t base = blockIdx.x * cols;
  float largest = -INFINITY;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    largest = fmaxf(largest, logits[base + c]);
  largest = cuda::block_reduce(largest, ::cuda::maximum<float>{});
  float total = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    total += expf(logits[base + c] - largest);
  total = cuda::block_reduce(total, ::cuda::std::plus<float>{});
  const float log_sum = logf(total) + largest;
  float loss = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    probabilities[base + c] = expf(logits[base + c] - largest) / total;
    const float target = targets[base + c];
    if (target != 0.0f) loss -= target * (logits[base + c] - log_sum);
  }
  loss = cuda::block_reduce(loss, ::cuda::std::plus<float>{});
  if (threadIdx.x == 0) row_loss[blockIdx.x] = loss;
}

// Kinds of per-element terms, averaged by mean_kernel.
enum class Term { value, squared_error, binary_cross_entropy };

__global__ void mean_kernel(Term term, const float* a, const float* b, float* loss,
                            std::int64_t count) {
  float total = 0.0f;
  for (std::int64_t i = threadIdx.x; i < count; i += blockDim.x) {
    if (term == Term::value) {
      total += a[i];
    } else if (term == Term::squared_error) {
      const float difference = a[i] - b[i];
      total += difference * difference;
    } else {
      const float p = clamp_probability(a[i]);
      total -= b[i] * logf(p) + (1.0f - b[i]) * logf(1.0f - p);
    }
  }
  total = cuda::block_reduce(total, ::cuda::std::plus<float>{});
  if (threadIdx.x == 0) *loss = total / static_cast<float>(count);
}

__global__ void scaled_difference_kernel(const float* a, const float* b, float* y, float scale,
                                         std::int64_t count) {
  GYRE_GRID_STRIDE_LOOP(i, count) {
    y[i] = (a[i] - b[i]) * scale;
  }
}

__global__ void bce_backward_kernel(const float* p, const float* t, float* y, float scale,
                                    std::int64_t count) {
  GYRE_GRID_STRIDE_LOOP(i, count) {
    const float q = clamp_probability(p[i]);
    y[i] = (q - t[i]) / (q * (1.0f - q)) * scale;
  }
}
}  // namespace

void CudaBackend::softmax_cross_entropy(const float* logits, const float* targets,
                                        float* probabilities, float* row_losses, float* loss,
                                        std::int64_t rows, std::int64_t cols, Stream stream) {
  softmax_cross_entropy_rows<<<static_cast<unsigned int>(rows), cuda::kThreads, 0,
                               cuda::native(stream)>>>(logits, targets, probabilities, row_losses,
                                                       cols);
  GYRE_CHECK_LAUNCH();
  mean_kernel<<<1, cuda::kThreads, 0, cuda::native(stream)>>>(Term::value, row_losses, nullptr,
                                                              loss, rows);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::softmax_cross_entropy_backward(const float* probabilities, const float* targets,
                                                 float* dlogits, std::int64_t rows,
                                                 std::int64_t cols, Stream stream) {
  scaled_difference_kernel<<<cuda::blocks_for(rows * cols), cuda::kThreads, 0,
                             cuda::native(stream)>>>(probabilities, targets, dlogits,
                                                     1.0f / static_cast<float>(rows), rows * cols);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::mse(const float* predictions, const float* targets, float* loss,
                      std::int64_t count, Stream stream) {
  mean_kernel<<<1, cuda::kThreads, 0, cuda::native(stream)>>>(Term::squared_error, predictions,
                                                              targets, loss, count);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::mse_backward(const float* predictions, const float* targets, float* dpredictions,
                               std::int64_t count, Stream stream) {
  scaled_difference_kernel<<<cuda::blocks_for(count), cuda::kThreads, 0, cuda::native(stream)>>>(
      predictions, targets, dpredictions, 2.0f / static_cast<float>(count), count);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::binary_cross_entropy(const float* predictions, const float* targets, float* loss,
                                       std::int64_t count, Stream stream) {
  mean_kernel<<<1, cuda::kThreads, 0, cuda::native(stream)>>>(Term::binary_cross_entropy,
                                                              predictions, targets, loss, count);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::binary_cross_entropy_backward(const float* predictions, const float* targets,
                                                float* dpredictions, std::int64_t count,
                                                Stream stream) {
  bce_backward_kernel<<<cuda::blocks_for(count), cuda::kThreads, 0, cuda::native(stream)>>>(
      predictions, targets, dpredictions, 1.0f / static_cast<float>(count), count);
  GYRE_CHECK_LAUNCH();
}

}  // namespace gyre::kernels
