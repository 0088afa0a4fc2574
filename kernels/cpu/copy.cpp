// Casts and fills on the CPU, for every dtype with a C++ element type (f16/bf16 are CUDA's).
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/cpu/cpu_backend.h"
#include "runtime/error.h"

namespace gyre::kernels {
namespace {

template <typename Function>
void with_element_type(DType dtype, Function function) {
  switch (dtype) {
    case DType::f32:
      return function(float{});
    case DType::f64:
      return function(double{});
    case DType::i32:
      return function(std::int32_t{});
    case DType::i64:
      return function(std::int64_t{});
    case DType::u8:
      return function(std::uint8_t{});
    case DType::f16:
    case DType::bf16:
      break;
  }
  throw NotAvailableError(
      strcat("dtype ", name_of(dtype), " has no CPU kernels; use it on a CUDA device"));
}

}  // namespace

void CpuBackend::cast(const void* x, DType from, void* y, DType to, std::int64_t count, Stream) {
  with_element_type(from, [&](auto source_type) {
    using Source = decltype(source_type);
    with_element_type(to, [&](auto target_type) {
      using Target = decltype(target_type);
      const auto* in = static_cast<const Source*>(x);
      auto* out = static_cast<Target*>(y);
      for (std::int64_t i = 0; i < count; ++i) out[i] = static_cast<Target>(in[i]);
    });
  });
}

void CpuBackend::fill(void* y, DType dtype, std::int64_t count, double value, Stream) {
  with_element_type(dtype, [&](auto element_type) {
    using Element = decltype(element_type);
    auto* out = static_cast<Element*>(y);
    const auto element = static_cast<Element>(value);
    for (std::int64_t i = 0; i < count; ++i) out[i] = element;
  });
}

void CpuBackend::copy_rows(const void* x, std::size_t x_pitch, void* y, std::size_t y_pitch,
                           std::size_t row_bytes, std::int64_t rows, Stream) {
  const auto* in = static_cast<const unsigned char*>(x);
  auto* out = static_cast<unsigned char*>(y);
  for (std::int64_t row = 0; row < rows; ++row)
    std::memcpy(out + row * y_pitch, in + row * x_pitch, row_bytes);
}

void CpuBackend::gather_rows(const float* table, std::int64_t rows, std::int64_t width,
                             const float* indices, std::int64_t count, float* y, Stream) {
  for (std::int64_t r = 0; r < count; ++r) {
    const std::int64_t row = row_index(indices[r], rows);
    float* out = y + r * width;
    if (row < 0)
      std::fill(out, out + width, 0.0f);
    else
      std::copy(table + row * width, table + (row + 1) * width, out);
  }
}

void CpuBackend::scatter_add_rows(const float* dy, const float* indices, std::int64_t count,
                                  std::int64_t width, float* table_gradient, std::int64_t rows,
                                  Stream) {
  for (std::int64_t r = 0; r < count; ++r) {
    const std::int64_t row = row_index(indices[r], rows);
    if (row < 0) continue;
    float* out = table_gradient + row * width;
    const float* in = dy + r * width;
    for (std::int64_t c = 0; c < width; ++c) out[c] += in[c];
  }
}

}  // namespace gyre::kernels
