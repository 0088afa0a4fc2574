#include "runtime/tensor_copy.h"

#include <cstring>

#include "runtime/accelerator.h"
#include "runtime/stream.h"

namespace gyre {
namespace {

// Element-by-element copy of a strided CPU view, one element of `element_size` bytes at a time.
void copy_strided(const char* source, const Shape& source_shape, char* destination,
                  const Shape& destination_shape, std::size_t element_size) {
  const int rank = source_shape.rank();
  std::int64_t index[Shape::kMaxRank] = {};
  const std::int64_t count = source_shape.numel();
  for (std::int64_t n = 0; n < count; ++n) {
    std::int64_t source_offset = 0, destination_offset = 0;
    for (int axis = 0; axis < rank; ++axis) {
      source_offset += index[axis] * source_shape.strides()[axis];
      destination_offset += index[axis] * destination_shape.strides()[axis];
    }
    std::memcpy(destination + destination_offset * static_cast<std::int64_t>(element_size),
                source + source_offset * static_cast<std::int64_t>(element_size), element_size);
    for (int axis = rank - 1; axis >= 0; --axis) {
      if (++index[axis] < source_shape.dims()[axis]) break;
      index[axis] = 0;
    }
  }
}

}  // namespace

void copy_tensor(const Tensor& source, const Tensor& destination) {
  GYRE_CHECK(source.shape() == destination.shape() && source.dtype() == destination.dtype(),
             InvalidArgumentError, "cannot copy tensor ", source.description(), " into ",
             destination.description(), ": shapes and dtypes must match");
  const char* from = static_cast<const char*>(source.device_ptr());
  char* to = static_cast<char*>(destination.device_ptr());
  if (source.numel() == 0) return;
  const bool both_contiguous = source.is_contiguous() && destination.is_contiguous();
  if (source.device().is_cpu() && destination.device().is_cpu()) {
    if (both_contiguous)
      std::memcpy(to, from, source.nbytes());
    else
      copy_strided(from, source.shape(), to, destination.shape(), source.element_size());
    return;
  }
  GYRE_CHECK(both_contiguous, InvalidArgumentError, "copying the non-contiguous tensor ",
             source.is_contiguous() ? destination.description() : source.description(),
             " to or from an accelerator is not supported; copy it to a contiguous tensor first");
  const Device stream_device =
      destination.device().is_accelerator() ? destination.device() : source.device();
  GYRE_CHECK(!source.device().is_accelerator() || !destination.device().is_accelerator() ||
                 source.device().type == destination.device().type,
             DeviceError, "cannot copy ", source.description(), " into ", destination.description(),
             ": the devices are of different kinds");
  accelerator(stream_device).copy_async(to, from, source.nbytes(), Stream::current(stream_device));
}

}  // namespace gyre
