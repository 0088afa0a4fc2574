#pragma once
// GYRE_HOST_DEVICE marks math shared by the CPU and CUDA kernels: plain inline functions for
// the host compiler, __host__ __device__ ones under nvcc. No CUDA header is included.
#if defined(__CUDACC__)
#define GYRE_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define GYRE_HOST_DEVICE inline
#endif
