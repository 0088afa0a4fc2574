#pragma once
// DataSet and the DataSetIterator interface (DL4J's names): batches of features and labels.
#include <cstdint>
#include <vector>

#include "runtime/tensor.h"

namespace gyre::nn {

/// A batch: features [N, ...] and labels [N, classes] (one-hot or targets), both f32. A time
/// series' features are [N, T, C]; its optional features mask [N, T] holds 1 for a present
/// step and 0 for padding (each example's present steps first). Labels per time step
/// ([N, T, K], for rnn_output) may have their own mask [N, T]; without one, the features
/// mask that reaches the output layer says which steps count.
struct DataSet {
  Tensor features;
  Tensor labels;
  Tensor features_mask = {};  // undefined: every step present
  Tensor labels_mask = {};    // undefined: the features mask's steps (or every step)

  std::int64_t examples() const { return features.defined() ? features.shape().dim(0) : 0; }
  /// Copies them out of any workspace cycle (reference-counted, detached).
  DataSet detach() const {
    return {features.detach(), labels.detach(), detach_if_defined(features_mask),
            detach_if_defined(labels_mask)};
  }
  static Tensor detach_if_defined(const Tensor& tensor) {
    return tensor.defined() ? tensor.detach() : Tensor();
  }
};

/// A batch for a graph of several inputs or outputs (DL4J's MultiDataSet): one features
/// tensor per graph input and one labels tensor per graph output, in the config's order,
/// each [N, ...] with the same N.
struct MultiDataSet {
  std::vector<Tensor> features;
  std::vector<Tensor> labels;
  /// Empty, or one per input (undefined: that input has no mask).
  std::vector<Tensor> features_masks = {};
  /// Empty, or one per output (undefined: that output's steps are its features mask's).
  std::vector<Tensor> labels_masks = {};

  std::int64_t examples() const {
    return features.empty() || !features[0].defined() ? 0 : features[0].shape().dim(0);
  }
  MultiDataSet detach() const {
    MultiDataSet copy;
    for (const Tensor& tensor : features) copy.features.push_back(tensor.detach());
    for (const Tensor& tensor : labels) copy.labels.push_back(tensor.detach());
    for (const Tensor& tensor : features_masks)
      copy.features_masks.push_back(DataSet::detach_if_defined(tensor));
    for (const Tensor& tensor : labels_masks)
      copy.labels_masks.push_back(DataSet::detach_if_defined(tensor));
    return copy;
  }
};

/// A source of batches. next() creates its tensors with Tensor::empty, so they live in the
/// caller's active workspace (the network's input memory) and are valid until that cycle
/// ends; call DataSet::detach() to keep one.
class DataSetIterator {
 public:
  virtual ~DataSetIterator() = default;
  virtual bool has_next() = 0;
  virtual DataSet next() = 0;
  /// Starts a new epoch (a shuffling iterator reshuffles).
  virtual void reset() = 0;
  /// Examples per batch (the last batch of an epoch may be smaller).
  virtual std::int64_t batch() const = 0;
  /// Examples per epoch.
  virtual std::int64_t total_examples() const = 0;
  /// Whether fit() may wrap this iterator in an asynchronous prefetcher.
  virtual bool async_supported() const { return true; }
};

/// A source of MultiDataSets (DL4J's MultiDataSetIterator). next() returns a batch the
/// iterator keeps, valid until its following next() or reset(): reusing its vectors, a
/// steady state allocates no heap memory. Its tensors live as a DataSetIterator's do.
class MultiDataSetIterator {
 public:
  virtual ~MultiDataSetIterator() = default;
  virtual bool has_next() = 0;
  virtual const MultiDataSet& next() = 0;
  virtual void reset() = 0;
  virtual std::int64_t batch() const = 0;
  virtual std::int64_t total_examples() const = 0;
  virtual bool async_supported() const { return true; }
};

}  // namespace gyre::nn
