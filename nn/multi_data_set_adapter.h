#pragma once
// MultiDataSetIteratorAdapter (DL4J's name): a DataSetIterator seen as a MultiDataSetIterator
// of one input and one output, for a graph's fit() and evaluate() over MultiDataSets.
#include "nn/data_set.h"

namespace gyre::nn {

class MultiDataSetIteratorAdapter final : public MultiDataSetIterator {
 public:
  /// `source` must outlive the adapter.
  explicit MultiDataSetIteratorAdapter(DataSetIterator& source) : source_(source) {}

  bool has_next() override { return source_.has_next(); }
  /// The source's next batch; masks only where it has them.
  const MultiDataSet& next() override;
  void reset() override { source_.reset(); }
  std::int64_t batch() const override { return source_.batch(); }
  std::int64_t total_examples() const override { return source_.total_examples(); }
  bool async_supported() const override { return source_.async_supported(); }

 private:
  DataSetIterator& source_;
  MultiDataSet batch_;  // reused: its vectors keep their capacity
};

}  // namespace gyre::nn
