// copy_to, cast, fill.
#include <algorithm>

#include "kernels/operand_checks.h"
#include "kernels/ops.h"
#include "runtime/error.h"
#include "runtime/tensor_copy.h"

namespace gyre::kernels {

Tensor copy_to(const Tensor& x, Device device, Tensor out) {
  GYRE_CHECK(x.defined(), InvalidArgumentError, "copy_to: x is undefined");
  x.validate();
  Tensor y = checks::output("copy_to", "out", out, x.shape(), x.dtype(), device);
  copy_tensor(x, y);
  return y;
}

Tensor cast(const Tensor& x, DType dtype, Tensor out) {
  GYRE_CHECK(x.defined() && x.is_contiguous(), InvalidArgumentError, "cast: x ", x.description(),
             " must be a defined contiguous tensor");
  x.validate();
  Tensor y = checks::output("cast", "out", out, x.shape(), dtype, x.device());
  checks::backend(x.device())
      .cast(x.unchecked_data(), x.dtype(), y.unchecked_data(), dtype, x.numel(),
            checks::stream(x.device()));
  return y;
}

void fill(const Tensor& tensor, double value) {
  GYRE_CHECK(tensor.defined() && tensor.is_contiguous(), InvalidArgumentError, "fill: tensor ",
             tensor.description(), " must be a defined contiguous tensor");
  tensor.validate();
  checks::backend(tensor.device())
      .fill(tensor.unchecked_data(), tensor.dtype(), tensor.numel(), value,
            checks::stream(tensor.device()));
}

void copy_axis_range(const Tensor& x, int axis, std::int64_t x_begin, const Tensor& y,
                     std::int64_t y_begin, std::int64_t count) {
  GYRE_CHECK(x.defined() && y.defined() && x.is_contiguous() && y.is_contiguous(),
             InvalidArgumentError, "copy_axis_range: x ", x.description(), " and y ",
             y.description(), " must be defined contiguous tensors");
  GYRE_CHECK(x.dtype() == y.dtype() && x.device() == y.device() &&
                 x.shape().rank() == y.shape().rank() && axis >= 0 && axis < x.shape().rank(),
             InvalidArgumentError, "copy_axis_range: x ", x.description(), " and y ",
             y.description(), " need one dtype, one device and one rank with axis ", axis,
             " inside it");
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < x.shape().rank(); ++d) {
    GYRE_CHECK(d == axis || x.shape().dim(d) == y.shape().dim(d), InvalidArgumentError,
               "copy_axis_range: x ", x.description(), " and y ", y.description(),
               " differ in dimension ", d, ", not only in axis ", axis);
    if (d < axis) outer *= x.shape().dim(d);
    if (d > axis) inner *= x.shape().dim(d);
  }
  GYRE_CHECK(count >= 0 && x_begin >= 0 && y_begin >= 0 && x_begin + count <= x.shape().dim(axis) &&
                 y_begin + count <= y.shape().dim(axis),
             InvalidArgumentError, "copy_axis_range: indices [", x_begin, ", ", x_begin + count,
             ") of x ", x.description(), " into [", y_begin, ", ", y_begin + count, ") of y ",
             y.description(), " along axis ", axis, " are out of range");
  x.validate();
  y.validate();
  const std::size_t element = x.element_size();
  const auto bytes = [&](std::int64_t elements) {
    return static_cast<std::size_t>(elements) * element;
  };
  checks::backend(x.device())
      .copy_rows(static_cast<const unsigned char*>(x.unchecked_data()) + bytes(x_begin * inner),
                 bytes(x.shape().dim(axis) * inner),
                 static_cast<unsigned char*>(y.unchecked_data()) + bytes(y_begin * inner),
                 bytes(y.shape().dim(axis) * inner), bytes(count * inner), outer,
                 checks::stream(x.device()));
}

namespace {
// Throws for an index outside [0, rows) when the indices are readable here (host memory).
void check_indices(const char* op, const Tensor& indices, std::int64_t rows) {
  if (!indices.device().is_cpu()) return;
  const float* values = indices.data<float>();
  for (std::int64_t r = 0; r < indices.numel(); ++r)
    GYRE_CHECK(row_index(values[r], rows) >= 0, InvalidArgumentError, op, ": index ", values[r],
               " at position ", r, " of ", indices.description(), " is not an integer in [0, ",
               rows, "): the table has ", rows, " rows (check the vocabulary size)");
}
}  // namespace

Tensor gather_rows(const Tensor& table, const Tensor& indices) {
  const char* op = "gather_rows";
  checks::float_operand(op, "table", table);
  checks::float_operand(op, "indices", indices);
  checks::same_device(op, "indices", indices, table);
  GYRE_CHECK(table.shape().rank() == 2, InvalidArgumentError, op, ": table ", table.description(),
             " must be [V, D]");
  const std::int64_t rows = table.shape().dim(0), width = table.shape().dim(1);
  check_indices(op, indices, rows);
  GYRE_CHECK(indices.shape().rank() < Shape::kMaxRank, InvalidArgumentError, op, ": indices ",
             indices.description(), " leave no room for the row axis");
  std::int64_t dims[Shape::kMaxRank];
  const int rank = indices.shape().rank();
  std::copy(indices.shape().dims(), indices.shape().dims() + rank, dims);
  dims[rank] = width;
  Tensor y = Tensor::empty(Shape(dims, rank + 1), DType::f32, table.device());
  checks::backend(table.device())
      .gather_rows(checks::f32(table), rows, width, checks::f32(indices), indices.numel(),
                   checks::f32(y), checks::stream(table.device()));
  return y;
}

void scatter_add_rows(const Tensor& dy, const Tensor& indices, const Tensor& table_gradient) {
  const char* op = "scatter_add_rows";
  checks::float_operand(op, "dy", dy);
  checks::float_operand(op, "indices", indices);
  checks::float_operand(op, "table_gradient", table_gradient);
  checks::same_device(op, "indices", indices, dy);
  checks::same_device(op, "table_gradient", table_gradient, dy);
  const bool table = table_gradient.shape().rank() == 2;
  const std::int64_t width = table ? table_gradient.shape().dim(1) : 0;
  GYRE_CHECK(table && dy.numel() == indices.numel() * width, InvalidArgumentError, op, ": dy ",
             dy.description(), " must hold one row of table_gradient ",
             table_gradient.description(), " per index of ", indices.description());
  const std::int64_t rows = table_gradient.shape().dim(0);
  check_indices(op, indices, rows);
  fill(table_gradient, 0.0);
  checks::backend(dy.device())
      .scatter_add_rows(checks::f32(dy), checks::f32(indices), indices.numel(), width,
                        checks::f32(table_gradient), rows, checks::stream(dy.device()));
}

void transpose_01(const Tensor& x, std::int64_t x_begin, const Tensor& y, std::int64_t y_begin,
                  std::int64_t count) {
  GYRE_CHECK(x.defined() && y.defined() && x.is_contiguous() && y.is_contiguous() &&
                 x.shape().rank() == 3 && y.shape().rank() == 3 && x.dtype() == y.dtype() &&
                 x.device() == y.device(),
             InvalidArgumentError, "transpose_01: x ", x.description(), " and y ", y.description(),
             " must be contiguous [A, B, C] and [B, A, C'] of one dtype and device");
  const std::int64_t a_size = x.shape().dim(0), b_size = x.shape().dim(1);
  const std::int64_t x_channels = x.shape().dim(2), y_channels = y.shape().dim(2);
  GYRE_CHECK(y.shape().dim(0) == b_size && y.shape().dim(1) == a_size && count >= 0 &&
                 x_begin >= 0 && y_begin >= 0 && x_begin + count <= x_channels &&
                 y_begin + count <= y_channels,
             InvalidArgumentError, "transpose_01: channels [", x_begin, ", ", x_begin + count,
             ") of x ", x.description(), " into [", y_begin, ", ", y_begin + count, ") of y ",
             y.description(), " do not fit");
  x.validate();
  y.validate();
  const std::size_t element = x.element_size();
  const auto* in = static_cast<const unsigned char*>(x.unchecked_data());
  auto* out = static_cast<unsigned char*>(y.unchecked_data());
  Backend& backend = checks::backend(x.device());
  const Stream stream = checks::stream(x.device());
  const std::size_t row = static_cast<std::size_t>(count) * element;
  // One strided copy per index of the shorter leading axis.
  if (a_size <= b_size) {
    for (std::int64_t a = 0; a < a_size; ++a)
      backend.copy_rows(in + ((a * b_size) * x_channels + x_begin) * element, x_channels * element,
                        out + (a * y_channels + y_begin) * element, a_size * y_channels * element,
                        row, b_size, stream);
  } else {
    for (std::int64_t b = 0; b < b_size; ++b)
      backend.copy_rows(in + (b * x_channels + x_begin) * element, b_size * x_channels * element,
                        out + ((b * a_size) * y_channels + y_begin) * element, y_channels * element,
                        row, a_size, stream);
  }
}

}  // namespace gyre::kernels
