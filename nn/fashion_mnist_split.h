#pragma once
// Fashion-MNIST as a network config reads it (what gyre train, gyre eval and the training
// benchmarks feed): flat pixels [784], images [1, 28, 28], or rows [28, 28], each example cut
// to a random 14–28 rows with a feature mask (configs/lstm.json, docs/design/recurrent.md).
#include <cstdint>
#include <memory>
#include <string>

#include "nn/fashion_mnist.h"
#include "nn/in_memory_iterator.h"
#include "nn/network_config.h"
#include "nn/sequence_iterator.h"

namespace gyre::nn {

class FashionMnistSplit {
 public:
  /// The training split (shuffled and, for rows, cut anew each epoch, from config.seed) or
  /// the test split (in order; rows cut the same way at every epoch, from config.seed + 1),
  /// in batches of `batch` on `device` (rows stay on the host: the prefetcher or evaluate()
  /// moves them). Throws InvalidArgumentError for an input that is none of the three.
  FashionMnistSplit(const NetworkConfig& config, bool train, std::int64_t batch, Device device,
                    const std::string& directory = kFashionMnistDirectory);
  DataSetIterator& iterator() {
    return cut_ != nullptr ? static_cast<DataSetIterator&>(*cut_) : *examples_;
  }
  /// Examples per epoch.
  std::int64_t examples() const { return examples_->total_examples(); }

 private:
  LabelledData data_;
  std::unique_ptr<InMemoryIterator> examples_;
  std::unique_ptr<RandomLengthSequences> cut_;
};

}  // namespace gyre::nn
