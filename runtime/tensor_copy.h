#pragma once
// Copying the elements of one tensor into another of the same shape and dtype, across
// devices, in the current stream's order.
#include "runtime/tensor.h"

namespace gyre {

/// Copies `source` into `destination` (same shape and dtype; any strides on the CPU,
/// contiguous tensors across or on CUDA devices). Throws InvalidArgumentError naming both
/// tensors otherwise.
void copy_tensor(const Tensor& source, const Tensor& destination);

}  // namespace gyre
