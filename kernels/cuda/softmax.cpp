#include "kernels/cuda/softmax.h"

#include "kernels/cuda/cudnn_descriptors.h"

namespace gyre::kernels::cuda {
namespace {
constexpr float kOne = 1.0f, kZero = 0.0f;
}  // namespace

// A [rows, cols] matrix is cuDNN's [rows, cols, 1, 1]; "instance" mode normalizes each n
// over C·H·W, that is each row.
void softmax_forward(const float* x, float* y, std::int64_t rows, std::int64_t cols,
                     Stream stream) {
  const TensorDescriptor matrix(rows, cols, 1, 1);
  GYRE_CUDNN_CHECK(cudnnSoftmaxForward(cudnn(stream), CUDNN_SOFTMAX_ACCURATE,
                                       CUDNN_SOFTMAX_MODE_INSTANCE, &kOne, matrix, x, &kZero,
                                       matrix, y));
}

void softmax_backward(const float* y, const float* dy, float* dx, std::int64_t rows,
                      std::int64_t cols, Stream stream) {
  const TensorDescriptor matrix(rows, cols, 1, 1);
  GYRE_CUDNN_CHECK(cudnnSoftmaxBackward(cudnn(stream), CUDNN_SOFTMAX_ACCURATE,
                                        CUDNN_SOFTMAX_MODE_INSTANCE, &kOne, matrix, y, matrix, dy,
                                        &kZero, matrix, dx));
}

}  // namespace gyre::kernels::cuda
