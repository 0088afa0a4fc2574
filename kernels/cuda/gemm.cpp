// GEMM on cuBLAS. Gyre is row-major and cuBLAS column-major: a row-major C = op(A) op(B)
// is the column-major Cᵀ = op(B)ᵀ op(A)ᵀ, so the operands are passed swapped.
#include "kernels/batch_invariance.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/library_handles.h"

namespace gyre::kernels {

void CudaBackend::gemm(const GemmArgs& args, Stream stream) {
  const cublasOperation_t op_a = args.transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = args.transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  if (args.row_invariant && !args.transpose_a) {
    // Batch invariance: one product per block of kRowBlock rows, each the same shape, so
    // cuBLAS picks the same kernel for every block whatever the batch (it picks by shape).
    // ops_linear pads the rows to whole blocks.
    GYRE_CHECK(args.m % kRowBlock == 0, InternalError, "row-invariant GEMM of ", args.m,
               " rows: not whole blocks of ", kRowBlock);
    cublasHandle_t handle = cuda::cublas(stream);
    for (std::int64_t i = 0; i < args.batch; ++i) {
      for (std::int64_t row = 0; row < args.m; row += kRowBlock) {
        GYRE_CUBLAS_CHECK(cublasSgemm(
            handle, op_b, CUBLAS_OP_N, static_cast<int>(args.n), static_cast<int>(kRowBlock),
            static_cast<int>(args.k), &args.alpha, args.b + i * args.stride_b,
            static_cast<int>(args.ldb), args.a + i * args.stride_a + row * args.lda,
            static_cast<int>(args.lda), &args.beta, args.c + i * args.stride_c + row * args.ldc,
            static_cast<int>(args.ldc)));
      }
    }
    return;
  }
  GYRE_CUBLAS_CHECK(cublasSgemmStridedBatched(
      cuda::cublas(stream), op_b, op_a, static_cast<int>(args.n), static_cast<int>(args.m),
      static_cast<int>(args.k), &args.alpha, args.b, static_cast<int>(args.ldb), args.stride_b,
      args.a, static_cast<int>(args.lda), args.stride_a, &args.beta, args.c,
      static_cast<int>(args.ldc), args.stride_c, static_cast<int>(args.batch)));
}

}  // namespace gyre::kernels
