// Batch normalization on cuDNN (spatial mode: statistics per channel over N, H and W; a 2-D
// [N, C] input is described as [N, C, 1, 1]).
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cudnn_descriptors.h"
#include "runtime/error.h"

namespace gyre::kernels {
namespace {
constexpr float kOne = 1.0f, kZero = 0.0f;

void check_epsilon(float epsilon) {
  GYRE_CHECK(epsilon >= static_cast<float>(CUDNN_BN_MIN_EPSILON), InvalidArgumentError,
             "batch norm on CUDA needs epsilon >= ", CUDNN_BN_MIN_EPSILON,
             " (cuDNN's minimum), got ", epsilon);
}
}  // namespace

void CudaBackend::batch_norm_forward(bool training, const float* x, const float* gamma,
                                     const float* beta, float* running_mean,
                                     float* running_variance, float* saved_mean,
                                     float* saved_inverse_std, float* y, std::int64_t outer,
                                     std::int64_t channels, std::int64_t inner, float momentum,
                                     float epsilon, Stream stream) {
  check_epsilon(epsilon);
  const cuda::TensorDescriptor data(outer, channels, inner, 1);
  const cuda::TensorDescriptor per_channel(1, channels, 1, 1);
  if (training) {
    GYRE_CUDNN_CHECK(cudnnBatchNormalizationForwardTraining(
        cuda::cudnn(stream), CUDNN_BATCHNORM_SPATIAL, &kOne, &kZero, data, x, data, y, per_channel,
        gamma, beta, static_cast<double>(momentum), running_mean, running_variance,
        static_cast<double>(epsilon), saved_mean, saved_inverse_std));
  } else {
    GYRE_CUDNN_CHECK(cudnnBatchNormalizationForwardInference(
        cuda::cudnn(stream), CUDNN_BATCHNORM_SPATIAL, &kOne, &kZero, data, x, data, y, per_channel,
        gamma, beta, running_mean, running_variance, static_cast<double>(epsilon)));
  }
}

void CudaBackend::batch_norm_backward(const float* x, const float* gamma, const float* saved_mean,
                                      const float* saved_inverse_std, const float* dy, float* dx,
                                      float* dgamma, float* dbeta, std::int64_t outer,
                                      std::int64_t channels, std::int64_t inner, float epsilon,
                                      Stream stream) {
  check_epsilon(epsilon);
  const cuda::TensorDescriptor data(outer, channels, inner, 1);
  const cuda::TensorDescriptor per_channel(1, channels, 1, 1);
  GYRE_CUDNN_CHECK(cudnnBatchNormalizationBackward(
      cuda::cudnn(stream), CUDNN_BATCHNORM_SPATIAL, &kOne, &kZero, &kOne, &kZero, data, x, data, dy,
      data, dx, per_channel, gamma, dgamma, dbeta, static_cast<double>(epsilon), saved_mean,
      saved_inverse_std));
}

}  // namespace gyre::kernels
