// Elementwise ops and activations on CUDA (formulas shared with the CPU in elementwise_math.h;
// cuDNN 9 deprecates its own activation calls). Softmax is cuDNN's (softmax.cpp).
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/softmax.h"
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
  if (activation == Activation::softmax) return cuda::softmax_forward(x, y, rows, cols, stream);
  activation_kernel<<<cuda::blocks_for(rows * cols), cuda::kThreads, 0, cuda::native(stream)>>>(
      activation, alpha, x, y, rows * cols);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::activation_backward(Activation activation, float alpha, const float* x,
                                      const float* y, const float* dy, float* dx, std::int64_t rows,
                                      std::int64_t cols, Stream stream) {
  if (rows * cols == 0) return;
  if (activation == Activation::softmax)
    return cuda::softmax_backward(y, dy, dx, rows, cols, stream);
  activation_backward_kernel<<<cuda::blocks_for(rows * cols), cuda::kThreads, 0,
                               cuda::native(stream)>>>(activation, alpha, x, y, dy, dx,
                                                       rows * cols);
  GYRE_CHECK_LAUNCH();
}

}  // namespace gyre::kernels
