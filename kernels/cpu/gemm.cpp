// GEMM on OpenBLAS (row-major cblas_sgemm), one call per batch entry. A single-row product
// (batch-1 inference) goes to sgemv instead: OpenBLAS's sgemm packs the whole B matrix
// first, which costs more than the product itself when A has one row.
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "kernels/batch_invariance.h"
#include "kernels/cpu/cpu_backend.h"

namespace gyre::kernels {

namespace {
// C = alpha·A·op(B) + beta·C in blocks of kRowBlock rows of A (not transposed), the last
// block padded with zero rows in scratch memory: every row goes through the same sgemm.
void gemm_row_invariant(const GemmArgs& args, const float* a, const float* b, float* c) {
  thread_local std::vector<float> padded_a, padded_c;  // grown once per thread
  const std::int64_t block = kRowBlock;
  auto sgemm = [&](const float* block_a, std::int64_t lda, float* block_c, std::int64_t ldc) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, args.transpose_b ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(block), static_cast<blasint>(args.n),
                static_cast<blasint>(args.k), args.alpha, block_a, static_cast<blasint>(lda), b,
                static_cast<blasint>(args.ldb), args.beta, block_c, static_cast<blasint>(ldc));
  };
  for (std::int64_t row = 0; row < args.m; row += block) {
    const std::int64_t rows = std::min(block, args.m - row);
    if (rows == block) {
      sgemm(a + row * args.lda, args.lda, c + row * args.ldc, args.ldc);
      continue;
    }
    padded_a.assign(static_cast<std::size_t>(block * args.k), 0.0f);
    padded_c.assign(static_cast<std::size_t>(block * args.n), 0.0f);
    for (std::int64_t r = 0; r < rows; ++r) {
      std::copy(a + (row + r) * args.lda, a + (row + r) * args.lda + args.k,
                padded_a.begin() + r * args.k);
      std::copy(c + (row + r) * args.ldc, c + (row + r) * args.ldc + args.n,
                padded_c.begin() + r * args.n);
    }
    sgemm(padded_a.data(), args.k, padded_c.data(), args.n);
    for (std::int64_t r = 0; r < rows; ++r) {
      std::copy(padded_c.begin() + r * args.n, padded_c.begin() + (r + 1) * args.n,
                c + (row + r) * args.ldc);
    }
  }
}
}  // namespace

void CpuBackend::gemm(const GemmArgs& args, Stream) {
  for (std::int64_t i = 0; i < args.batch; ++i) {
    const float* a = args.a + i * args.stride_a;
    const float* b = args.b + i * args.stride_b;
    float* c = args.c + i * args.stride_c;
    if (args.row_invariant && !args.transpose_a) {
      gemm_row_invariant(args, a, b, c);
      continue;
    }
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
