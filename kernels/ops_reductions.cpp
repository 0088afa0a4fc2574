// reduce and argmax over one axis.
#include "kernels/operand_checks.h"
#include "kernels/ops.h"
#include "runtime/error.h"

namespace gyre::kernels {
namespace {
struct AxisSplit {
  int axis;
  std::int64_t outer = 1, size = 1, inner = 1;
  Shape reduced;
};

AxisSplit split(const char* op, const Tensor& x, int axis, bool keep_dims) {
  const int rank = x.shape().rank();
  GYRE_CHECK(axis >= -rank && axis < rank, InvalidArgumentError, op, ": axis ", axis,
             " is out of range for x ", x.description());
  AxisSplit result;
  result.axis = axis < 0 ? axis + rank : axis;
  std::int64_t dims[Shape::kMaxRank];
  int kept = 0;
  for (int i = 0; i < rank; ++i) {
    const std::int64_t dim = x.shape().dims()[i];
    if (i < result.axis) result.outer *= dim;
    if (i == result.axis) result.size = dim;
    if (i > result.axis) result.inner *= dim;
    if (i != result.axis)
      dims[kept++] = dim;
    else if (keep_dims)
      dims[kept++] = 1;
  }
  GYRE_CHECK(result.size > 0, InvalidArgumentError, op, ": axis ", axis, " of x ", x.description(),
             " is empty");
  result.reduced = Shape(dims, kept);
  return result;
}
}  // namespace

Tensor reduce(Reduction reduction, const Tensor& x, int axis, bool keep_dims, Tensor out) {
  const char* op = name_of(reduction);
  checks::float_operand(op, "x", x);
  const AxisSplit parts = split(op, x, axis, keep_dims);
  Tensor y = checks::output(op, "out", out, parts.reduced, DType::f32, x.device());
  checks::backend(x.device())
      .reduce(reduction, checks::f32(x), checks::f32(y), parts.outer, parts.size, parts.inner,
              checks::stream(x.device()));
  return y;
}

Tensor argmax(const Tensor& x, int axis, Tensor out) {
  checks::float_operand("argmax", "x", x);
  const AxisSplit parts = split("argmax", x, axis, false);
  Tensor y = checks::output("argmax", "out", out, parts.reduced, DType::i64, x.device());
  checks::backend(x.device())
      .argmax(checks::f32(x), static_cast<std::int64_t*>(y.unchecked_data()), parts.outer,
              parts.size, parts.inner, checks::stream(x.device()));
  return y;
}

}  // namespace gyre::kernels
