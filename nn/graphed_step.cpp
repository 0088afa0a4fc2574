#include "nn/graphed_step.h"

#include "runtime/detached_memory.h"
#include "runtime/error.h"
#include "runtime/tensor_copy.h"
#include "workspace/workspace.h"
#include "workspace/workspace_manager.h"

namespace gyre::nn {

std::uint64_t device_allocation_events(Device device) {
  const CachingStatistics detached = detached_resource(device).statistics();
  std::uint64_t events = detached.hits + detached.misses;
  for (const WorkspaceStatistics& workspace : WorkspaceManager::for_device(device).statistics()) {
    for (const ArenaStatistics& arena : workspace.arenas)
      events += arena.spill_count + arena.resize_count;
  }
  return events;
}

GraphAction GraphedStep::next(StepSignature signature) {
  signature.device = device_;
  signature.allocations_last_step = allocations_last_step_;
  signature.arenas_moved = Workspace::arena_moves(device_) != arena_moves_at_capture_;
  signature.workspaces = &WorkspaceManager::for_device(device_);
  return plan_.next(signature);
}

void GraphedStep::follow_caller() {
  if (stream_ == nullptr) {
    stream_ = std::make_unique<OwnedStream>(device_);
    caller_ready_ = std::make_unique<Event>(device_);
    done_ready_ = std::make_unique<Event>(device_);
  }
  caller_ = Stream::current(device_);
  caller_ready_->record(caller_);  // the caller's kernels may still be writing the input
  caller_ready_->wait(*stream_);
}

DataSet GraphedStep::stage(const DataSet& batch) {
  auto same_layout = [](const Tensor& buffer, const Tensor& data) {
    return buffer.defined() && buffer.shape() == data.shape() && buffer.dtype() == data.dtype();
  };
  // While a graph exists its buffers keep their addresses.
  const bool fits_graph_buffers =
      same_layout(features_, batch.features) && same_layout(labels_, batch.labels);
  const bool own_buffers = plan_.has_graph() && !fits_graph_buffers;
  Tensor& features = own_buffers ? other_features_ : features_;
  Tensor& labels = own_buffers ? other_labels_ : labels_;
  if (!same_layout(features, batch.features) || !same_layout(labels, batch.labels)) {
    features = Tensor::empty_detached(batch.features.shape(), batch.features.dtype(), device_);
    labels = Tensor::empty_detached(batch.labels.shape(), batch.labels.dtype(), device_);
  }
  follow_caller();
  const StreamGuard on_step_stream(*stream_);
  copy_tensor(batch.features, features);
  copy_tensor(batch.labels, labels);
  return DataSet{features, labels};
}

void GraphedStep::capture(const std::function<void()>& work) {
  std::string failure;
  try {
    graph_ = CudaGraph::capture(*stream_, work);
  } catch (const Error& error) {
    failure = error.what();
  }
  arena_moves_at_capture_ = Workspace::arena_moves(device_);
  plan_.captured(!graph_.empty(), failure);
}

}  // namespace gyre::nn
