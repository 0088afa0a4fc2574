#include "nn/in_memory_iterator.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "kernels/vector_clones.h"
#include "runtime/error.h"
#include "runtime/tensor_copy.h"

namespace gyre::nn {
namespace {
// Raw pixels scaled to [0, 1]; a clone per vector width (this runs once per example).
GYRE_VECTOR_CLONES void scale_bytes(const std::uint8_t* bytes, float* out, std::int64_t count) {
  for (std::int64_t j = 0; j < count; ++j) out[j] = static_cast<float>(bytes[j]) * (1.0f / 255.0f);
}
}  // namespace

InMemoryIterator::InMemoryIterator(Tensor features, Tensor labels, std::int64_t batch, bool shuffle,
                                   std::uint64_t seed, Device device)
    : features_(std::move(features)),
      labels_(std::move(labels)),
      batch_(batch),
      shuffle_(shuffle),
      seed_(seed),
      device_(device) {
  GYRE_CHECK(features_.device().is_cpu() && labels_.device().is_cpu() &&
                 (features_.dtype() == DType::f32 || features_.dtype() == DType::u8) &&
                 labels_.dtype() == DType::f32 && features_.is_contiguous() &&
                 labels_.is_contiguous(),
             InvalidArgumentError,
             "InMemoryIterator needs contiguous CPU tensors, f32 or u8 features and f32 labels; "
             "got features ",
             features_.description(), " and labels ", labels_.description());
  GYRE_CHECK(features_.shape().rank() >= 1 && labels_.shape().rank() == 2 &&
                 features_.shape().dim(0) == labels_.shape().dim(0),
             InvalidArgumentError, "InMemoryIterator: features ", features_.description(),
             " and labels ", labels_.description(),
             " must have the same number of examples (labels [N, C])");
  GYRE_CHECK(batch_ > 0, InvalidArgumentError, "InMemoryIterator: batch size ", batch_,
             " must be > 0");
  order_.resize(static_cast<std::size_t>(total_examples()));
  reset();
  if (device_.is_accelerator()) {
    Shape feature_shape = features_.shape();
    std::int64_t dims[Shape::kMaxRank];
    for (int i = 0; i < feature_shape.rank(); ++i) dims[i] = feature_shape.dims()[i];
    dims[0] = batch_;
    feature_staging_ =
        Tensor::empty_detached(Shape(dims, feature_shape.rank()), DType::f32, Device::cpu());
    label_staging_ =
        Tensor::empty_detached({batch_, labels_.shape().dim(1)}, DType::f32, Device::cpu());
  }
}

void InMemoryIterator::reset() {
  std::iota(order_.begin(), order_.end(), std::int64_t{0});
  if (shuffle_) {
    std::mt19937_64 random(seed_ + epoch_);
    std::shuffle(order_.begin(), order_.end(), random);
  }
  ++epoch_;
  position_ = 0;
}

Tensor InMemoryIterator::gather(const Tensor& source, std::int64_t first, std::int64_t count,
                                Tensor& staging) {
  std::int64_t dims[Shape::kMaxRank];
  for (int i = 0; i < source.shape().rank(); ++i) dims[i] = source.shape().dims()[i];
  dims[0] = count;
  const Shape shape(dims, source.shape().rank());
  const std::int64_t row = source.numel() / std::max<std::int64_t>(source.shape().dim(0), 1);
  // Rows go straight into the batch on the CPU, or into host staging before one copy.
  Tensor batch = Tensor::empty(shape, DType::f32, device_);
  float* target = device_.is_cpu() ? batch.data<float>() : staging.data<float>();
  for (std::int64_t i = 0; i < count; ++i) {
    const std::int64_t example = order_[static_cast<std::size_t>(first + i)];
    if (source.dtype() == DType::u8) {  // raw pixels: scaled to [0, 1] on the way
      scale_bytes(source.data<std::uint8_t>() + example * row, target + i * row, row);
    } else {
      std::memcpy(target + i * row, source.data<float>() + example * row,
                  static_cast<std::size_t>(row) * sizeof(float));
    }
  }
  if (device_.is_accelerator()) copy_tensor(staging.slice(0, 0, count), batch);
  return batch;
}

DataSet InMemoryIterator::next() {
  GYRE_CHECK(has_next(), InvalidArgumentError,
             "InMemoryIterator::next() after the end of the epoch; call reset()");
  const std::int64_t count = std::min(batch_, total_examples() - position_);
  DataSet result{gather(features_, position_, count, feature_staging_),
                 gather(labels_, position_, count, label_staging_)};
  position_ += count;
  return result;
}

}  // namespace gyre::nn
