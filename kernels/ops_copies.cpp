// copy_to, cast, fill.
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

}  // namespace gyre::kernels
