// Losses on the CPU, accumulated in double.
#include <algorithm>
#include <cmath>

#include "kernels/cpu/cpu_backend.h"

namespace gyre::kernels {
namespace {
constexpr float kProbabilityFloor = 1e-7f;
float clamp_probability(float p) {
  return std::min(std::max(p, kProbabilityFloor), 1.0f - kProbabilityFloor);
}
}  // namespace

void CpuBackend::softmax_cross_entropy(const float* logits, const float* targets,
                                       float* probabilities, float* row_losses, float* loss,
                                       std::int64_t rows, std::int64_t cols, Stream stream) {
  activation_forward(Activation::softmax, 0.0f, logits, probabilities, rows, cols, stream);
  double total = 0.0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = logits + r * cols;
    const float largest = *std::max_element(row, row + cols);
    double sum = 0.0;
    for (std::int64_t c = 0; c < cols; ++c) sum += std::exp(static_cast<double>(row[c] - largest));
    const double log_sum = std::log(sum) + largest;  // log Σ exp, computed stably
    double row_loss = 0.0;
    for (std::int64_t c = 0; c < cols; ++c) {
      const float target = targets[r * cols + c];
      if (target != 0.0f) row_loss -= target * (row[c] - log_sum);
    }
    row_losses[r] = static_cast<float>(row_loss);
    total += row_loss;
  }
  *loss = static_cast<float>(total / static_cast<double>(rows));
}

void CpuBackend::softmax_cross_entropy_backward(const float* probabilities, const float* targets,
                                                float* dlogits, std::int64_t rows,
                                                std::int64_t cols, Stream) {
  const float scale = 1.0f / static_cast<float>(rows);
  for (std::int64_t i = 0; i < rows * cols; ++i)
    dlogits[i] = (probabilities[i] - targets[i]) * scale;
}

void CpuBackend::mse(const float* predictions, const float* targets, float* loss,
                     std::int64_t count, Stream) {
  double total = 0.0;
  for (std::int64_t i = 0; i < count; ++i) {
    const double difference = static_cast<double>(predictions[i]) - targets[i];
    total += difference * difference;
  }
  *loss = static_cast<float>(total / static_cast<double>(count));
}

void CpuBackend::mse_backward(const float* predictions, const float* targets, float* dpredictions,
                              std::int64_t count, Stream) {
  const float scale = 2.0f / static_cast<float>(count);
  for (std::int64_t i = 0; i < count; ++i) dpredictions[i] = (predictions[i] - targets[i]) * scale;
}

void CpuBackend::binary_cross_entropy(const float* predictions, const float* targets, float* loss,
                                      std::int64_t count, Stream) {
  double total = 0.0;
  for (std::int64_t i = 0; i < count; ++i) {
    const double p = clamp_probability(predictions[i]);
    total -= targets[i] * std::log(p) + (1.0 - targets[i]) * std::log(1.0 - p);
  }
  *loss = static_cast<float>(total / static_cast<double>(count));
}

void CpuBackend::binary_cross_entropy_backward(const float* predictions, const float* targets,
                                               float* dpredictions, std::int64_t count, Stream) {
  const float scale = 1.0f / static_cast<float>(count);
  for (std::int64_t i = 0; i < count; ++i) {
    const float p = clamp_probability(predictions[i]);
    dpredictions[i] = (p - targets[i]) / (p * (1.0f - p)) * scale;
  }
}

}  // namespace gyre::kernels
