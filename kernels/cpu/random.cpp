// Dropout and random fills on the CPU, drawing from the same Philox streams as CUDA.
#include "kernels/cpu/cpu_backend.h"
#include "kernels/philox.h"

namespace gyre::kernels {

void CpuBackend::dropout(const float* x, float* y, std::int64_t count, float p, std::uint64_t seed,
                         std::uint64_t offset, Stream) {
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  for (std::int64_t i = 0; i < count; ++i) {
    const bool keep = philox::uniform(seed, offset + static_cast<std::uint64_t>(i)) >= p;
    y[i] = keep ? x[i] * scale : 0.0f;
  }
}

void CpuBackend::fill_random(Distribution distribution, float* y, std::int64_t count, float a,
                             float b, std::uint64_t seed, Stream) {
  for (std::int64_t i = 0; i < count; ++i) {
    const auto index = static_cast<std::uint64_t>(i);
    y[i] = distribution == Distribution::uniform ? a + (b - a) * philox::uniform(seed, index)
                                                 : a + b * philox::normal(seed, index);
  }
}

}  // namespace gyre::kernels
