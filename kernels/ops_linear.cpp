// gemm, gemm_batched, bias_add.
#include "kernels/batch_invariance.h"
#include "kernels/operand_checks.h"
#include "kernels/ops.h"
#include "runtime/error.h"
#include "runtime/tensor_copy.h"

namespace gyre::kernels {
namespace {

Tensor gemm_impl(const char* op, const Tensor& a, const Tensor& b, bool transpose_a,
                 bool transpose_b, float alpha, float beta, const Tensor& out, int matrix_rank) {
  checks::float_operand(op, "a", a);
  checks::float_operand(op, "b", b);
  checks::same_device(op, "b", b, a);
  checks::rank(op, "a", a, matrix_rank);
  checks::rank(op, "b", b, matrix_rank);
  const int row = matrix_rank - 2, col = matrix_rank - 1;
  const std::int64_t batch = matrix_rank == 3 ? a.shape().dim(0) : 1;
  GYRE_CHECK(matrix_rank == 2 || b.shape().dim(0) == batch, InvalidArgumentError, op,
             ": batch sizes differ: a ", a.description(), ", b ", b.description());
  const std::int64_t m = transpose_a ? a.shape().dim(col) : a.shape().dim(row);
  const std::int64_t k = transpose_a ? a.shape().dim(row) : a.shape().dim(col);
  const std::int64_t k_b = transpose_b ? b.shape().dim(col) : b.shape().dim(row);
  const std::int64_t n = transpose_b ? b.shape().dim(row) : b.shape().dim(col);
  GYRE_CHECK(k == k_b, InvalidArgumentError, op, ": inner dimensions differ: op(a) of a ",
             a.description(), (transpose_a ? " (transposed)" : ""), " has ", k,
             " columns, op(b) of b ", b.description(), (transpose_b ? " (transposed)" : ""),
             " has ", k_b, " rows");
  GYRE_CHECK(beta == 0.0f || out.defined(), InvalidArgumentError, op, ": beta = ", beta,
             " accumulates into out, so out must be given");
  const Shape shape = matrix_rank == 3 ? Shape{batch, m, n} : Shape{m, n};
  Tensor result = checks::output(op, "out", out, shape, DType::f32, a.device());
  const bool row_invariant = BatchInvariantScope::active();
  if (row_invariant && a.device().is_accelerator() && matrix_rank == 2 && !transpose_a &&
      m % kRowBlock != 0 && n > 0) {
    // Batch invariance on an accelerator: the backend runs the product in blocks of
    // kRowBlock rows, one library call of the same shape each (so the same kernel, so the
    // same bits for a row wherever it sits). The rows are padded to whole blocks here, in
    // the active workspace, which a graph capture may hold.
    const std::int64_t padded = (m + kRowBlock - 1) / kRowBlock * kRowBlock;
    const Tensor a_padded = Tensor::empty({padded, k}, DType::f32, a.device());
    copy_tensor(a, a_padded.slice(0, 0, m));
    fill(a_padded.slice(0, m, padded), 0.0);
    const Tensor c_padded = Tensor::empty({padded, n}, DType::f32, a.device());
    if (beta != 0.0f) {
      copy_tensor(result, c_padded.slice(0, 0, m));
      fill(c_padded.slice(0, m, padded), 0.0);
    }
    gemm_impl(op, a_padded, b, false, transpose_b, alpha, beta, c_padded, 2);
    copy_tensor(c_padded.slice(0, 0, m), result);
    return result;
  }
  GemmArgs args;
  args.row_invariant = row_invariant;
  args.transpose_a = transpose_a;
  args.transpose_b = transpose_b;
  args.m = m;
  args.n = n;
  args.k = k;
  args.alpha = alpha;
  args.beta = beta;
  args.a = checks::f32(a);
  args.lda = a.shape().dim(col);
  args.stride_a = a.shape().dim(row) * a.shape().dim(col);
  args.b = checks::f32(b);
  args.ldb = b.shape().dim(col);
  args.stride_b = b.shape().dim(row) * b.shape().dim(col);
  args.c = checks::f32(result);
  args.ldc = n;
  args.stride_c = m * n;
  args.batch = batch;
  if (m > 0 && n > 0) checks::backend(a.device()).gemm(args, checks::stream(a.device()));
  return result;
}

}  // namespace

Tensor gemm(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b, float alpha,
            float beta, Tensor out) {
  return gemm_impl("gemm", a, b, transpose_a, transpose_b, alpha, beta, out, 2);
}

Tensor gemm_batched(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b,
                    float alpha, float beta, Tensor out) {
  return gemm_impl("gemm_batched", a, b, transpose_a, transpose_b, alpha, beta, out, 3);
}

Tensor bias_add(const Tensor& x, const Tensor& bias, Tensor out) {
  checks::float_operand("bias_add", "bias", bias);
  GYRE_CHECK(
      bias.shape().rank() == 1 && x.shape().rank() >= 1 && bias.shape().dim(0) == x.shape().dim(-1),
      InvalidArgumentError, "bias_add: bias ", bias.description(),
      " must be [features] with features = ", "the last dimension of x ", x.description());
  return binary(BinaryOp::add, x, bias, std::move(out));
}

Tensor channel_bias_add(const Tensor& x, const Tensor& bias, Tensor out) {
  const char* op = "channel_bias_add";
  checks::float_operand(op, "x", x);
  checks::float_operand(op, "bias", bias);
  checks::same_device(op, "bias", bias, x);
  GYRE_CHECK(x.shape().rank() >= 2 && bias.shape() == Shape{x.shape().dim(1)}, InvalidArgumentError,
             op, ": bias ", bias.description(), " must be [C] with C = axis 1 of x ",
             x.description());
  const std::int64_t rows = x.shape().dim(0) * x.shape().dim(1),
                     cols = rows == 0 ? 0 : x.numel() / rows;
  Tensor y = checks::output(op, "out", out, x.shape(), DType::f32, x.device());
  checks::backend(x.device())
      .binary(BinaryOp::add, checks::f32(x), checks::f32(bias), checks::f32(y), rows, cols,
              Broadcast::channel, x.shape().dim(1), checks::stream(x.device()));
  return y;
}

Tensor channel_sum(const Tensor& dy, Tensor out) {
  checks::float_operand("channel_sum", "dy", dy);
  GYRE_CHECK(dy.shape().rank() >= 2, InvalidArgumentError, "channel_sum: dy ", dy.description(),
             " must be [N, C, ...]");
  const std::int64_t batch = dy.shape().dim(0), channels = dy.shape().dim(1);
  const Tensor per_example = reduce(
      Reduction::sum,
      dy.reshape({batch, channels, dy.numel() / std::max<std::int64_t>(batch * channels, 1)}), 2);
  return reduce(Reduction::sum, per_example, 0, false, std::move(out));
}

}  // namespace gyre::kernels
