// Elementwise ops and activations on CUDA (formulas shared with the CPU in elementwise_math.h).
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/elementwise_math.h"

namespace gyre::kernels {
namespace {

__global__ void unary_kernel(UnaryOp op, const float* x, float* y, std::int64_t count) {
  GYRE_GRID_STRIDE_LOOP(i, count) {
    y[i] = math::apply(op, x[i]);
  }
}

__global__ void binary_kernel(BinaryOp op, const float* a, const float* b, float* y,
                              std::int64_t rows, std::int64_t cols, Broadcast broadcast,
                              std::int64_t channels) {
  GYRE_GRID_STRIDE_LOOP(i, rows * cols) {
    const float other = broadcast == Broadcast::none     ? b[i]
                        : broadcast == Broadcast::row    ? b[i % cols]
                        : broadcast == Broadcast::column ? b[i / cols]
                                                         : b[(i / cols) % channels];
    y[i] = math::apply(op, a[i], other);
  }
}

__global__ void activation_kernel(Activation activation, float alpha, const float* x, float* y,
                                  std::int64_t count) {
  GYRE_GRID_STRIDE_LOOP(i, count) {
    y[i] = math::activate(activation, x[i], alpha);
  }
}

__global__ void activation_backward_kernel(Activation activation, float alpha, const float* x,
                                           const float* y, const float* dy, float* dx,
                                           std::int64_t count) {
  GYRE_GRID_STRIDE_LOOP(i, count) {
    dx[i] = dy[i] * math::activation_derivative(activation, x[i], y[i], alpha);
  }
}

// One block per row: y = exp(x − max) / Σ exp(x − max).
__global__ void softmax_kernel(const float* x, float* y, std::int64_t cols) {
  const float* in = x + blockIdx.x * cols;
  float* out = y + blockIdx.x * cols;
  float largest = -INFINITY;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) largest = fmaxf(largest, in[c]);
  largest = cuda::block_reduce(largest, ::cuda::maximum<float>{});
  float total = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float value = expf(in[c] - largest);
    out[c] = value;
    total += value;
  }
  total = cuda::block_reduce(total, ::cuda::std::plus<float>{});
  const float inverse = 1.0f / total;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) out[c] *= inverse;
}

// One block per row: dx = y ⊙ (dy − Σ dy ⊙ y).
__global__ void softmax_backward_kernel(const float* y, const float* dy, float* dx,
                                        std::int64_t cols) {
  const std::int64_t base = blockIdx.x * cols;
  float dot = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) dot += dy[base + c] * y[base + c];
  dot = cuda::block_reduce(dot, ::cuda::std::plus<float>{});
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    dx[base + c] = y[base + c] * (dy[base + c] - dot);
}

}  // namespace

void CudaBackend::unary(UnaryOp op, const float* x, float* y, std::int64_t count, Stream stream) {
  if (count == 0) return;
  unary_kernel<<<cuda::blocks_for(count), cuda::kThreads, 0, cuda::native(stream)>>>(op, x, y,
                                                                                     count);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::binary(BinaryOp op, const float* a, const float* b, float* y, std::int64_t rows,
                         std::int64_t cols, Broadcast broadcast, std::int64_t channels,
                         Stream stream) {
  if (rows * cols == 0) return;
  binary_kernel<<<cuda::blocks_for(rows * cols), cuda::kThreads, 0, cuda::native(stream)>>>(
      op, a, b, y, rows, cols, broadcast, channels);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::activation_forward(Activation activation, float alpha, const float* x, float* y,
                                     std::int64_t rows, std::int64_t cols, Stream stream) {
  if (rows * cols == 0) return;
  if (activation == Activation::softmax) {
    softmax_kernel<<<static_cast<unsigned int>(rows), cuda::kThreads, 0, cuda::native(stream)>>>(
        x, y, cols);
  } else {
    activation_kernel<<<cuda::blocks_for(rows * cols), cuda::kThreads, 0, cuda::native(stream)>>>(
        activation, alpha, x, y, rows * cols);
  }
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::activation_backward(Activation activation, float alpha, const float* x,
                                      const float* y, const float* dy, float* dx, std::int64_t rows,
                                      std::int64_t cols, Stream stream) {
  if (rows * cols == 0) return;
  if (activation == Activation::softmax) {
    softmax_backward_kernel<<<static_cast<unsigned int>(rows), cuda::kThreads, 0,
                              cuda::native(stream)>>>(y, dy, dx, cols);
  } else {
    activation_backward_kernel<<<cuda::blocks_for(rows * cols), cuda::kThreads, 0,
                                 cuda::native(stream)>>>(activation, alpha, x, y, dy, dx,
                                                         rows * cols);
  }
  GYRE_CHECK_LAUNCH();
}

}  // namespace gyre::kernels
