// Casts and fills on CUDA (Thrust), for every dtype including f16 and bf16.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <thrust/execution_policy.h>
#include <thrust/fill.h>
#include <thrust/transform.h>

#include <type_traits>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/launch.cuh"

namespace gyre::kernels {
namespace {

// Converts through float (or double for f64 pairs), which every element type supports.
template <typename To, typename From>
__device__ To convert(From value) {
  if constexpr (std::is_same_v<From, __half> || std::is_same_v<From, __nv_bfloat16>) {
    return static_cast<To>(static_cast<float>(value));
  } else if constexpr (std::is_same_v<To, __half>) {
    return __float2half(static_cast<float>(value));
  } else if constexpr (std::is_same_v<To, __nv_bfloat16>) {
    return __float2bfloat16(static_cast<float>(value));
  } else {
    return static_cast<To>(value);
  }
}

template <typename To, typename From>
struct Convert {
  __device__ To operator()(From value) const { return convert<To>(value); }
};

template <typename Function>
void with_element_type(DType dtype, Function function) {
  switch (dtype) {
    case DType::f32:
      return function(float{});
    case DType::f64:
      return function(double{});
    case DType::f16:
      return function(__half{});
    case DType::bf16:
      return function(__nv_bfloat16{});
    case DType::i32:
      return function(std::int32_t{});
    case DType::i64:
      return function(std::int64_t{});
    case DType::u8:
      return function(std::uint8_t{});
  }
}

template <typename Element>
Element element_from(double value) {
  if constexpr (std::is_same_v<Element, __half>) {
    return __float2half(static_cast<float>(value));
  } else if constexpr (std::is_same_v<Element, __nv_bfloat16>) {
    return __float2bfloat16(static_cast<float>(value));
  } else {
    return static_cast<Element>(value);
  }
}

}  // namespace

// Thrust's transform and fill, launched on the stream without a synchronization after
// (par_nosync), so they are stream-ordered and graph-capturable like the other kernels.
void CudaBackend::cast(const void* x, DType from, void* y, DType to, std::int64_t count,
                       Stream stream) {
  if (count == 0) return;
  with_element_type(from, [&](auto source_type) {
    using Source = decltype(source_type);
    with_element_type(to, [&](auto target_type) {
      using Target = decltype(target_type);
      const auto* source = static_cast<const Source*>(x);
      thrust::transform(thrust::cuda::par_nosync.on(cuda::native(stream)), source, source + count,
                        static_cast<Target*>(y), Convert<Target, Source>{});
    });
  });
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::fill(void* y, DType dtype, std::int64_t count, double value, Stream stream) {
  if (count == 0) return;
  with_element_type(dtype, [&](auto element_type) {
    using Element = decltype(element_type);
    thrust::fill_n(thrust::cuda::par_nosync.on(cuda::native(stream)), static_cast<Element*>(y),
                   count, element_from<Element>(value));
  });
  GYRE_CHECK_LAUNCH();
}

// One 2-D copy on the stream (the copy engine, graph-capturable).
namespace {
__global__ void gather_rows_kernel(const float* table, std::int64_t rows, std::int64_t width,
                                   const float* indices, std::int64_t count, float* y) {
  GYRE_GRID_STRIDE_LOOP(e, count * width) {
    const std::int64_t row = row_index(indices[e / width], rows);
    y[e] = row < 0 ? 0.0f : table[row * width + e % width];
  }
}

// Atomic adds: rows that repeat an index meet in any order (float sums may differ in the last
// bits between runs).
__global__ void scatter_add_rows_kernel(const float* dy, const float* indices, std::int64_t count,
                                        std::int64_t width, float* table_gradient,
                                        std::int64_t rows) {
  GYRE_GRID_STRIDE_LOOP(e, count * width) {
    const std::int64_t row = row_index(indices[e / width], rows);
    if (row >= 0) atomicAdd(table_gradient + row * width + e % width, dy[e]);
  }
}
}  // namespace

void CudaBackend::gather_rows(const float* table, std::int64_t rows, std::int64_t width,
                              const float* indices, std::int64_t count, float* y, Stream stream) {
  if (count * width == 0) return;
  gather_rows_kernel<<<cuda::blocks_for(count * width), cuda::kThreads, 0, cuda::native(stream)>>>(
      table, rows, width, indices, count, y);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::scatter_add_rows(const float* dy, const float* indices, std::int64_t count,
                                   std::int64_t width, float* table_gradient, std::int64_t rows,
                                   Stream stream) {
  if (count * width == 0) return;
  scatter_add_rows_kernel<<<cuda::blocks_for(count * width), cuda::kThreads, 0,
                            cuda::native(stream)>>>(dy, indices, count, width, table_gradient,
                                                    rows);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::copy_rows(const void* x, std::size_t x_pitch, void* y, std::size_t y_pitch,
                            std::size_t row_bytes, std::int64_t rows, Stream stream) {
  if (rows == 0 || row_bytes == 0) return;
  GYRE_CUDA_CHECK(cudaMemcpy2DAsync(y, y_pitch, x, x_pitch, row_bytes,
                                    static_cast<std::size_t>(rows), cudaMemcpyDeviceToDevice,
                                    cuda::native(stream)));
}

}  // namespace gyre::kernels
