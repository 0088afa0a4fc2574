// GEMM on OpenBLAS (row-major cblas_sgemm), one call per batch entry. A single-row product
// (batch-1 inference) goes to sgemv instead: OpenBLAS's sgemm packs the whole B matrix
// first, which costs more than the product itself when A has one row.
#include <cblas.h>

#include "kernels/cpu/cpu_backend.h"

namespace gyre::kernels {

void CpuBackend::gemm(const GemmArgs& args, Stream) {
  for (std::int64_t i = 0; i < args.batch; ++i) {
    const float* a = args.a + i * args.stride_a;
    const float* b = args.b + i * args.stride_b;
    float* c = args.c + i * args.stride_c;
    if (args.m == 1 && !args.transpose_a) {
      // c[1×n] = a[1×k] · op(B): c = op(B)ᵀ a, with B stored [k, n] (or [n, k] transposed).
      cblas_sgemv(CblasRowMajor, args.transpose_b ? CblasNoTrans : CblasTrans,
                  static_cast<blasint>(args.transpose_b ? args.n : args.k),
                  static_cast<blasint>(args.transpose_b ? args.k : args.n), args.alpha, b,
                  static_cast<blasint>(args.ldb), a, 1, args.beta, c, 1);
      continue;
    }
    cblas_sgemm(CblasRowMajor, args.transpose_a ? CblasTrans : CblasNoTrans,
                args.transpose_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(args.m),
                static_cast<blasint>(args.n), static_cast<blasint>(args.k), args.alpha, a,
                static_cast<blasint>(args.lda), b, static_cast<blasint>(args.ldb), args.beta, c,
                static_cast<blasint>(args.ldc));
  }
}

}  // namespace gyre::kernels
