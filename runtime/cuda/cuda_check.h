#pragma once
// Turns a failed CUDA runtime call into a gyre::CudaError naming the call, file and line.
#include <cuda_runtime_api.h>

#include "runtime/error.h"

namespace gyre::cuda_backend {

[[noreturn]] void throw_cuda_error(cudaError_t status, const char* call, const char* file,
                                   int line);

}  // namespace gyre::cuda_backend

#define GYRE_CUDA_CHECK(call)                                                          \
  do {                                                                                 \
    const cudaError_t gyre_status_ = (call);                                           \
    if (gyre_status_ != cudaSuccess)                                                   \
      ::gyre::cuda_backend::throw_cuda_error(gyre_status_, #call, __FILE__, __LINE__); \
  } while (false)
