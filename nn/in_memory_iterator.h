#pragma once
// An iterator over a data set held in host memory, in batches, reshuffled every epoch from
// a seed (the same seed gives the same order on every run).
#include <cstdint>
#include <random>
#include <vector>

#include "nn/data_set.h"

namespace gyre::nn {

class InMemoryIterator final : public DataSetIterator {
 public:
  /// features [N, ...] and labels [N, C], f32 on the CPU. Batches are made on `device`.
  InMemoryIterator(Tensor features, Tensor labels, std::int64_t batch, bool shuffle,
                   std::uint64_t seed, Device device = Device::cpu());

  bool has_next() override { return position_ < total_examples(); }
  DataSet next() override;
  void reset() override;
  std::int64_t batch() const override { return batch_; }
  std::int64_t total_examples() const override { return features_.shape().dim(0); }

 private:
  Tensor gather(const Tensor& source, std::int64_t first, std::int64_t count, Tensor& staging);

  Tensor features_, labels_;
  std::int64_t batch_;
  bool shuffle_;
  std::uint64_t seed_;
  Device device_;
  std::uint64_t epoch_ = 0;
  std::int64_t position_ = 0;
  std::vector<std::int64_t> order_;
  Tensor feature_staging_, label_staging_;  // host rows of one batch, for CUDA batches
};

}  // namespace gyre::nn
