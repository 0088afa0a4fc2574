#pragma once
// Reading a row index stored as f32 (an embedding's token ids), shared by the CPU and CUDA
// gathers: an index that is not an integer in [0, rows) reads as −1 (a zero row, no gradient).
#include <cstdint>

#include "kernels/host_device.h"

namespace gyre::kernels {

GYRE_HOST_DEVICE std::int64_t row_index(float value, std::int64_t rows) {
  // The comparisons are false for NaN, which is refused with the rest.
  if (!(value >= 0.0f && value < static_cast<float>(rows))) return -1;
  const auto row = static_cast<std::int64_t>(value);
  return static_cast<float>(row) == value ? row : -1;
}

}  // namespace gyre::kernels
