#pragma once
// cuBLAS and cuDNN handles, one per thread and device (created on first use, bound to the
// caller's stream on use; a cuBLAS handle with a workspace of its own per stream), and
// checks that turn their failures into gyre errors.
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstdint>

#include "runtime/error.h"
#include "runtime/stream.h"

namespace gyre::kernels::cuda {

cublasHandle_t cublas(Stream stream);
cudnnHandle_t cudnn(Stream stream);
cudaStream_t native(Stream stream);
/// `count` ones in device memory of the stream's device (this thread's, grown on demand,
/// outside any capture: the learning step asks first), for sums as cuBLAS products.
const float* ones(Stream stream, std::int64_t count);

[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* call, const char* file,
                                     int line);
[[noreturn]] void throw_cudnn_error(cudnnStatus_t status, const char* call, const char* file,
                                    int line);

}  // namespace gyre::kernels::cuda

#define GYRE_CUBLAS_CHECK(call)                                                           \
  do {                                                                                    \
    const cublasStatus_t gyre_status_ = (call);                                           \
    if (gyre_status_ != CUBLAS_STATUS_SUCCESS)                                            \
      ::gyre::kernels::cuda::throw_cublas_error(gyre_status_, #call, __FILE__, __LINE__); \
  } while (false)

#define GYRE_CUDNN_CHECK(call)                                                           \
  do {                                                                                   \
    const cudnnStatus_t gyre_status_ = (call);                                           \
    if (gyre_status_ != CUDNN_STATUS_SUCCESS)                                            \
      ::gyre::kernels::cuda::throw_cudnn_error(gyre_status_, #call, __FILE__, __LINE__); \
  } while (false)
