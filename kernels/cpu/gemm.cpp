// GEMM on OpenBLAS (row-major cblas_sgemm), one call per batch entry.
#include <cblas.h>

#include "kernels/cpu/cpu_backend.h"

namespace gyre::kernels {

void CpuBackend::gemm(const GemmArgs& args, Stream) {
  for (std::int64_t i = 0; i < args.batch; ++i) {
    cblas_sgemm(CblasRowMajor, args.transpose_a ? CblasTrans : CblasNoTrans,
                args.transpose_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(args.m),
                static_cast<blasint>(args.n), static_cast<blasint>(args.k), args.alpha,
                args.a + i * args.stride_a, static_cast<blasint>(args.lda),
                args.b + i * args.stride_b, static_cast<blasint>(args.ldb), args.beta,
                args.c + i * args.stride_c, static_cast<blasint>(args.ldc));
  }
}

}  // namespace gyre::kernels
