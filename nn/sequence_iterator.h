#pragma once
// Variable-length time series from fixed-length ones: each example of a host source's batch
// is cut to a random length in [min_length, steps] (its first steps kept), the batch is as
// long as its longest example, and a feature mask marks the present steps. Fashion-MNIST
// read as 28 rows of 28 pixels, cut to 14–28 rows, is the recurrent workload of
// configs/lstm.json. Deterministic given the seed: each epoch draws anew from seed + epoch,
// or, for a test set, every epoch draws the same cuts from the seed.
#include <cstdint>
#include <random>
#include <vector>

#include "nn/data_set.h"

namespace gyre::nn {

class RandomLengthSequences final : public DataSetIterator {
 public:
  /// `source` gives host features [N, steps · features] or [N, steps, features].
  RandomLengthSequences(DataSetIterator& source, std::int64_t steps, std::int64_t features,
                        std::int64_t min_length, std::uint64_t seed, bool redraw_each_epoch = true);

  bool has_next() override { return source_.has_next(); }
  /// Features [N, T, features] with T the batch's longest length (padding zeroed), labels as
  /// the source's, and the mask [N, T]; made in the caller's active workspace.
  DataSet next() override;
  void reset() override;
  std::int64_t batch() const override { return source_.batch(); }
  std::int64_t total_examples() const override { return source_.total_examples(); }

 private:
  DataSetIterator& source_;
  std::int64_t steps_, features_, min_length_;
  std::uint64_t seed_, epoch_ = 0;
  bool redraw_;
  std::mt19937_64 random_;
  std::vector<std::int64_t> lengths_;  // reserved once: a batch allocates no heap memory
};

}  // namespace gyre::nn
