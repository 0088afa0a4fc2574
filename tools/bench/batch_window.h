#pragma once
// `count` full batches of a source, which restarts when fewer remain: a part of an epoch that
// fit() trains on through its prefetcher, as it would a whole epoch.
#include <cstdint>

#include "nn/data_set.h"

namespace gyre::bench {

class BatchWindow final : public nn::DataSetIterator {
 public:
  BatchWindow(nn::DataSetIterator& source, std::int64_t count)
      : source_(source), count_(count), consumed_(source.total_examples()) {}
  bool has_next() override { return taken_ < count_; }
  nn::DataSet next() override {
    ++taken_;
    nn::DataSet batch = source_.next();
    consumed_ += batch.features.shape().dim(0);
    return batch;
  }
  void reset() override {
    taken_ = 0;
    if (source_.total_examples() - consumed_ < count_ * source_.batch()) {
      source_.reset();
      consumed_ = 0;
    }
  }
  std::int64_t batch() const override { return source_.batch(); }
  std::int64_t total_examples() const override { return count_ * source_.batch(); }
  bool async_supported() const override { return source_.async_supported(); }

 private:
  nn::DataSetIterator& source_;
  std::int64_t count_;
  std::int64_t consumed_;  // examples of the source's current epoch
  std::int64_t taken_ = 0;
};

}  // namespace gyre::bench
