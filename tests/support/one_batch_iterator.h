#pragma once
// An iterator of one fixed batch per epoch, of either kind (DataSetIterator or
// MultiDataSetIterator): for tests that feed evaluate() or fit() a batch they built.
#include <type_traits>
#include <utility>

#include "nn/data_set.h"

namespace gyre::testing {

template <typename Source>
struct OneBatchIterator final : Source {
  std::decay_t<decltype(std::declval<Source&>().next())> data;
  bool served = false;

  bool has_next() override { return !served; }
  decltype(std::declval<Source&>().next()) next() override {
    served = true;
    return data;
  }
  void reset() override { served = false; }
  std::int64_t batch() const override { return data.examples(); }
  std::int64_t total_examples() const override { return data.examples(); }
};

}  // namespace gyre::testing
