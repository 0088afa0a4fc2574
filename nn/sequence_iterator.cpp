#include "nn/sequence_iterator.h"

#include <algorithm>
#include <cstring>

#include "runtime/error.h"

namespace gyre::nn {

RandomLengthSequences::RandomLengthSequences(DataSetIterator& source, std::int64_t steps,
                                             std::int64_t features, std::int64_t min_length,
                                             std::uint64_t seed, bool redraw_each_epoch)
    : source_(source),
      steps_(steps),
      features_(features),
      min_length_(min_length),
      seed_(seed),
      redraw_(redraw_each_epoch),
      random_(seed) {
  GYRE_CHECK(steps > 0 && features > 0 && min_length >= 1 && min_length <= steps,
             InvalidArgumentError, "RandomLengthSequences: need steps (", steps, ") and features (",
             features, ") > 0 and 1 <= min_length (", min_length, ") <= steps");
  lengths_.reserve(static_cast<std::size_t>(std::max<std::int64_t>(source.batch(), 1)));
}

void RandomLengthSequences::reset() {
  source_.reset();
  random_.seed(redraw_ ? seed_ + ++epoch_ : seed_);
}

DataSet RandomLengthSequences::next() {
  DataSet batch = source_.next();
  const Tensor& in = batch.features;
  const std::int64_t n = in.shape().dim(0);
  GYRE_CHECK(n > 0 && in.device().is_cpu() && in.dtype() == DType::f32 && in.is_contiguous() &&
                 in.numel() == n * steps_ * features_,
             InvalidArgumentError, "RandomLengthSequences: the source's features ",
             in.description(), " must be a non-empty batch of contiguous f32 host examples of ",
             steps_, " steps of ", features_, " features");
  std::uniform_int_distribution<std::int64_t> length(min_length_, steps_);
  lengths_.clear();
  for (std::int64_t r = 0; r < n; ++r) lengths_.push_back(length(random_));
  const std::int64_t longest = *std::max_element(lengths_.begin(), lengths_.end());
  DataSet result;
  result.labels = batch.labels;
  result.features = Tensor::empty({n, longest, features_}, DType::f32, in.device());
  result.features_mask = Tensor::empty({n, longest}, DType::f32, in.device());
  const float* source = in.data<float>();
  float* out = result.features.data<float>();
  float* mask = result.features_mask.data<float>();
  const std::size_t row = static_cast<std::size_t>(features_) * sizeof(float);
  for (std::int64_t r = 0; r < n; ++r) {
    const std::int64_t kept = lengths_[static_cast<std::size_t>(r)];
    std::memcpy(out + r * longest * features_, source + r * steps_ * features_,
                static_cast<std::size_t>(kept) * row);
    std::memset(out + (r * longest + kept) * features_, 0,
                static_cast<std::size_t>(longest - kept) * row);
    for (std::int64_t t = 0; t < longest; ++t) mask[r * longest + t] = t < kept ? 1.0f : 0.0f;
  }
  return result;
}

}  // namespace gyre::nn
