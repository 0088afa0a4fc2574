#include "runtime/tensor.h"

#include <utility>

#include "runtime/detached_memory.h"
#include "runtime/memory_scope.h"
#include "runtime/storage.h"
#include "runtime/tensor_copy.h"

namespace gyre {

Tensor::Tensor(const Tensor& other) noexcept
    : data_(other.data_),
      shape_(other.shape_),
      dtype_(other.dtype_),
      device_(other.device_),
      storage_(other.storage_),
      lifetime_(other.lifetime_),
      epoch_(other.epoch_) {
  if (storage_ != nullptr) storage_->retain();
}

Tensor::Tensor(Tensor&& other) noexcept
    : data_(other.data_),
      shape_(other.shape_),
      dtype_(other.dtype_),
      device_(other.device_),
      storage_(std::exchange(other.storage_, nullptr)),
      lifetime_(other.lifetime_),
      epoch_(other.epoch_) {}

Tensor& Tensor::operator=(const Tensor& other) noexcept {
  if (this != &other) {
    if (other.storage_ != nullptr) other.storage_->retain();
    if (storage_ != nullptr) storage_->release();
    data_ = other.data_;
    shape_ = other.shape_;
    dtype_ = other.dtype_;
    device_ = other.device_;
    storage_ = other.storage_;
    lifetime_ = other.lifetime_;
    epoch_ = other.epoch_;
  }
  return *this;
}

Tensor& Tensor::operator=(Tensor&& other) noexcept {
  if (this != &other) {
    if (storage_ != nullptr) storage_->release();
    data_ = other.data_;
    shape_ = other.shape_;
    dtype_ = other.dtype_;
    device_ = other.device_;
    storage_ = std::exchange(other.storage_, nullptr);
    lifetime_ = other.lifetime_;
    epoch_ = other.epoch_;
  }
  return *this;
}

Tensor::~Tensor() {
  if (storage_ != nullptr) storage_->release();
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  if (!shape.is_contiguous()) return empty(shape.contiguous(), dtype, device);
  const Shape& layout = shape;
  const std::size_t bytes = static_cast<std::size_t>(layout.numel()) * size_of(dtype);
  if (MemoryScope* scope = MemoryScope::current(device)) {
    const ScopedAllocation allocation =
        scope->allocate(bytes, kDefaultAlignment, Stream::current(device));
    if (allocation.data != nullptr || bytes == 0) {
      return Tensor(allocation.data, layout, dtype, device, nullptr, allocation.lifetime,
                    allocation.epoch);
    }
  }
  return empty_detached(layout, dtype, device);
}

Tensor Tensor::empty_detached(const Shape& shape, DType dtype, Device device) {
  check_device(device);
  const Shape layout = shape.contiguous();
  const std::size_t bytes = static_cast<std::size_t>(layout.numel()) * size_of(dtype);
  if (bytes == 0) return Tensor(nullptr, layout, dtype, device, nullptr, nullptr, 0);
  Storage* storage = Storage::create(detached_resource(device), bytes, Stream::current(device));
  return Tensor(storage->data(), layout, dtype, device, storage, nullptr, 0);
}

Tensor Tensor::wrap(void* data, const Shape& shape, DType dtype, Device device) {
  GYRE_CHECK(data != nullptr || shape.numel() == 0, InvalidArgumentError,
             "Tensor::wrap was given a null pointer for ", shape, " ", name_of(dtype));
  return Tensor(data, shape, dtype, device, nullptr, nullptr, 0);
}

long Tensor::use_count() const {
  return storage_ != nullptr ? storage_->use_count() : 0;
}

Tensor Tensor::with_layout(const Shape& shape, std::int64_t element_offset) const {
  Tensor view = *this;
  view.shape_ = shape;
  view.data_ =
      static_cast<char*>(data_) + element_offset * static_cast<std::int64_t>(element_size());
  return view;
}

Tensor Tensor::reshape(const Shape& dims) const {
  validate();
  return with_layout(shape_.reshaped(dims), 0);
}

Tensor Tensor::transpose(int a, int b) const {
  validate();
  return with_layout(shape_.transposed(a, b), 0);
}

Tensor Tensor::slice(int axis, std::int64_t begin, std::int64_t end) const {
  validate();
  const std::int64_t size = shape_.dim(axis);
  GYRE_CHECK(0 <= begin && begin <= end && end <= size, InvalidArgumentError, "slice [", begin,
             ", ", end, ") along axis ", axis, " is out of range for tensor ", description());
  const int normalized = axis < 0 ? axis + shape_.rank() : axis;
  std::int64_t dims[Shape::kMaxRank];
  for (int i = 0; i < shape_.rank(); ++i) dims[i] = shape_.dims()[i];
  dims[normalized] = end - begin;
  return with_layout(Shape::strided(dims, shape_.strides(), shape_.rank()),
                     begin * shape_.stride(normalized));
}

Tensor Tensor::detach() const {
  if (!is_attached()) return *this;
  validate();
  Tensor copy = empty_detached(shape_, dtype_, device_);
  copy_tensor(*this, copy);
  return copy;
}

Tensor Tensor::leverage_to(std::string_view id) const {
  if (!is_attached()) return *this;
  validate();
  MemoryScope* scope = MemoryScope::find_open(device_, id);
  if (scope == nullptr) return detach();
  if (scope->owns(lifetime_)) return *this;
  const std::size_t bytes = nbytes();
  const ScopedAllocation allocation =
      scope->allocate(bytes, kDefaultAlignment, Stream::current(device_));
  if (allocation.data == nullptr && bytes != 0) return detach();
  Tensor copy = Tensor(allocation.data, shape_.contiguous(), dtype_, device_, nullptr,
                       allocation.lifetime, allocation.epoch);
  copy_tensor(*this, copy);
  return copy;
}

Tensor Tensor::migrate() const {
  validate();
  MemoryScope* scope = MemoryScope::current(device_);
  if (scope != nullptr && is_attached() && scope->owns(lifetime_)) return *this;
  Tensor copy = empty(shape_, dtype_, device_);
  copy_tensor(*this, copy);
  return copy;
}

std::string Tensor::description() const {
  return strcat(shape_.to_string(), " ", name_of(dtype_), " ", device_.to_string());
}

void Tensor::throw_stale() const {
  throw WorkspaceError(strcat("tensor ", shape_.to_string(), " ", name_of(dtype_), " ",
                              lifetime_->describe_stale(epoch_)));
}

}  // namespace gyre

namespace gyre {
void Tensor::throw_not_on_host() const {
  throw DeviceError(strcat("tensor ", description(), " is in the memory of ", device_,
                           ": host code cannot read or write it; copy it to a CPU tensor first "
                           "(copy_tensor, then synchronize the stream)"));
}
}  // namespace gyre
