#include "nn/multi_data_set_adapter.h"

namespace gyre::nn {

const MultiDataSet& MultiDataSetIteratorAdapter::next() {
  const DataSet batch = source_.next();
  batch_.features.assign(1, batch.features);
  batch_.labels.assign(1, batch.labels);
  batch_.features_masks.clear();
  batch_.labels_masks.clear();
  if (batch.features_mask.defined()) batch_.features_masks.push_back(batch.features_mask);
  if (batch.labels_mask.defined()) batch_.labels_masks.push_back(batch.labels_mask);
  return batch_;
}

}  // namespace gyre::nn
