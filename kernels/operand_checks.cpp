#include "kernels/operand_checks.h"

#include "runtime/error.h"

namespace gyre::kernels::checks {

void float_operand(const char* op, const char* name, const Tensor& tensor) {
  GYRE_CHECK(tensor.defined(), InvalidArgumentError, op, ": operand ", name, " is undefined");
  GYRE_CHECK(tensor.dtype() == DType::f32, InvalidArgumentError, op, ": operand ", name, " ",
             tensor.description(), " must be f32; cast it first");
  GYRE_CHECK(tensor.is_contiguous(), InvalidArgumentError, op, ": operand ", name, " ",
             tensor.description(),
             " must be contiguous; copy the view to a contiguous tensor first");
  tensor.validate();
}

void same_device(const char* op, const char* name, const Tensor& tensor, const Tensor& first) {
  GYRE_CHECK(tensor.device() == first.device(), DeviceError, op, ": operand ", name, " ",
             tensor.description(), " is not on ", first.device(), " like the first operand ",
             first.description(), "; copy it with copy_to()");
}

void same_shape(const char* op, const char* name, const Tensor& tensor, const char* expected_name,
                const Tensor& expected) {
  GYRE_CHECK(tensor.shape() == expected.shape(), InvalidArgumentError, op, ": operand ", name, " ",
             tensor.description(), " must have the shape of ", expected_name, " ",
             expected.shape());
}

void rank(const char* op, const char* name, const Tensor& tensor, int expected_rank) {
  GYRE_CHECK(tensor.shape().rank() == expected_rank, InvalidArgumentError, op, ": operand ", name,
             " ", tensor.description(), " must have rank ", expected_rank);
}

Tensor output(const char* op, const char* name, const Tensor& out, const Shape& shape, DType dtype,
              Device device) {
  if (!out.defined()) return Tensor::empty(shape, dtype, device);
  GYRE_CHECK(out.shape() == shape && out.dtype() == dtype && out.device() == device,
             InvalidArgumentError, op, ": output ", name, " ", out.description(), " must be ",
             shape, " ", name_of(dtype), " ", device);
  GYRE_CHECK(out.is_contiguous(), InvalidArgumentError, op, ": output ", name, " ",
             out.description(), " must be contiguous");
  out.validate();
  return out;
}

Backend& backend(Device device) {
  return backend_for(device);
}
Stream stream(Device device) {
  return Stream::current(device);
}
float* f32(const Tensor& tensor) {
  return static_cast<float*>(tensor.unchecked_data());
}

std::int64_t* counter(const char* op, const Tensor& tensor, Device device) {
  GYRE_CHECK(tensor.defined(), InvalidArgumentError, op, ": the step counter is undefined");
  GYRE_CHECK(tensor.dtype() == DType::i64 && tensor.numel() == 1, InvalidArgumentError, op,
             ": the step counter ", tensor.description(), " must be one i64 element");
  GYRE_CHECK(tensor.device() == device, DeviceError, op, ": the step counter ",
             tensor.description(), " must be on ", device, " with the data");
  tensor.validate();
  return static_cast<std::int64_t*>(tensor.unchecked_data());
}

}  // namespace gyre::kernels::checks
