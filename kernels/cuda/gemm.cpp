// GEMM on cuBLAS. Gyre is row-major and cuBLAS column-major: a row-major C = op(A) op(B)
// is the column-major Cᵀ = op(B)ᵀ op(A)ᵀ, so the operands are passed swapped.
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/library_handles.h"

namespace gyre::kernels {

void CudaBackend::gemm(const GemmArgs& args, Stream stream) {
  const cublasOperation_t op_a = args.transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = args.transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  GYRE_CUBLAS_CHECK(cublasSgemmStridedBatched(
      cuda::cublas(stream), op_b, op_a, static_cast<int>(args.n), static_cast<int>(args.m),
      static_cast<int>(args.k), &args.alpha, args.b, static_cast<int>(args.ldb), args.stride_b,
      args.a, static_cast<int>(args.lda), args.stride_a, &args.beta, args.c,
      static_cast<int>(args.ldc), args.stride_c, static_cast<int>(args.batch)));
}

}  // namespace gyre::kernels
