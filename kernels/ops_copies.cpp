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

}  // namespace gyre::kernels
