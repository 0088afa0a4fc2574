// Batch normalization on the CPU, statistics in double. Running variance is unbiased (as in
// cuDNN and PyTorch); the saved inverse standard deviation uses the biased batch variance.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"

namespace gyre::kernels {

void CpuBackend::batch_norm_forward(bool training, const float* x, const float* gamma,
                                    const float* beta, float* running_mean, float* running_variance,
                                    float* saved_mean, float* saved_inverse_std, float* y,
                                    std::int64_t outer, std::int64_t channels, std::int64_t inner,
                                    float momentum, float epsilon, Stream) {
  const std::int64_t per_channel = outer * inner;
  for (std::int64_t c = 0; c < channels; ++c) {
    double mean = running_mean[c],
           inverse_std = 1.0 / std::sqrt(static_cast<double>(running_variance[c]) + epsilon);
    if (training) {
      double total = 0.0, squares = 0.0;
      for (std::int64_t o = 0; o < outer; ++o) {
        const float* row = x + (o * channels + c) * inner;
        for (std::int64_t i = 0; i < inner; ++i) total += row[i];
      }
      mean = total / static_cast<double>(per_channel);
      for (std::int64_t o = 0; o < outer; ++o) {
        const float* row = x + (o * channels + c) * inner;
        for (std::int64_t i = 0; i < inner; ++i) squares += (row[i] - mean) * (row[i] - mean);
      }
      const double variance = squares / static_cast<double>(per_channel);
      inverse_std = 1.0 / std::sqrt(variance + epsilon);
      const double unbiased =
          per_channel > 1 ? squares / static_cast<double>(per_channel - 1) : variance;
      running_mean[c] = static_cast<float>((1.0 - momentum) * running_mean[c] + momentum * mean);
      running_variance[c] =
          static_cast<float>((1.0 - momentum) * running_variance[c] + momentum * unbiased);
      saved_mean[c] = static_cast<float>(mean);
      saved_inverse_std[c] = static_cast<float>(inverse_std);
    }
    const float scale = static_cast<float>(gamma[c] * inverse_std);
    const float shift = static_cast<float>(beta[c] - mean * gamma[c] * inverse_std);
    for (std::int64_t o = 0; o < outer; ++o) {
      const std::int64_t base = (o * channels + c) * inner;
      for (std::int64_t i = 0; i < inner; ++i) y[base + i] = x[base + i] * scale + shift;
    }
  }
}

void CpuBackend::batch_norm_backward(const float* x, const float* gamma, const float* saved_mean,
                                     const float* saved_inverse_std, const float* dy, float* dx,
                                     float* dgamma, float* dbeta, std::int64_t outer,
                                     std::int64_t channels, std::int64_t inner, float,
                                     Stream) {  // the saved inverse std already holds epsilon
  const auto count = static_cast<double>(outer * inner);
  for (std::int64_t c = 0; c < channels; ++c) {
    const double mean = saved_mean[c], inverse_std = saved_inverse_std[c];
    double sum_dy = 0.0, sum_dy_xhat = 0.0;
    for (std::int64_t o = 0; o < outer; ++o) {
      const std::int64_t base = (o * channels + c) * inner;
      for (std::int64_t i = 0; i < inner; ++i) {
        sum_dy += dy[base + i];
        sum_dy_xhat += dy[base + i] * (x[base + i] - mean) * inverse_std;
      }
    }
    dgamma[c] = static_cast<float>(sum_dy_xhat);
    dbeta[c] = static_cast<float>(sum_dy);
    const double factor = gamma[c] * inverse_std / count;
    for (std::int64_t o = 0; o < outer; ++o) {
      const std::int64_t base = (o * channels + c) * inner;
      for (std::int64_t i = 0; i < inner; ++i) {
        const double x_hat = (x[base + i] - mean) * inverse_std;
        dx[base + i] =
            static_cast<float>(factor * (count * dy[base + i] - sum_dy - x_hat * sum_dy_xhat));
      }
    }
  }
}

}  // namespace gyre::kernels
