#pragma once
// The checks every op makes on its operands, with messages that name the op, the operand,
// its shape, dtype and device, and what was expected.
#include "kernels/backend.h"
#include "runtime/tensor.h"

namespace gyre::kernels::checks {

/// Defined, f32, contiguous, valid (its workspace cycle is open).
void float_operand(const char* op, const char* name, const Tensor& tensor);
/// Same device as the first operand.
void same_device(const char* op, const char* name, const Tensor& tensor, const Tensor& first);
/// Same dims as `expected` (named `expected_name`).
void same_shape(const char* op, const char* name, const Tensor& tensor, const char* expected_name,
                const Tensor& expected);
void rank(const char* op, const char* name, const Tensor& tensor, int expected_rank);
/// `out` if defined (checked to be contiguous, of `shape`, `dtype`, `device`); else a new
/// tensor from the active workspace.
Tensor output(const char* op, const char* name, const Tensor& out, const Shape& shape, DType dtype,
              Device device);
/// The backend and current stream of `device`.
Backend& backend(Device device);
Stream stream(Device device);
float* f32(const Tensor& tensor);
/// A step counter: an i64 scalar (one element) on `device`; returns its address.
std::int64_t* counter(const char* op, const Tensor& tensor, Device device);

}  // namespace gyre::kernels::checks
