#pragma once
// GraphedStep: one network step (the inference pass or the training iteration) run as a
// replayed CUDA graph where its StepGraphPlan allows (nn/step_graph.h says when), eagerly
// otherwise. It owns what a graphed step needs: the plan, a stream of its own, the events
// that order it after the caller's work and the caller's next work after it, the graph, and
// the fixed buffers a training step's batch is staged in. The capture-or-replay logic is
// run(); the network supplies the step's work.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "nn/data_set.h"
#include "nn/step_graph.h"
#include "runtime/cuda_graph.h"
#include "runtime/stream.h"

namespace gyre::nn {

/// Allocations at addresses a graph replay would not see again, made on `device` by this
/// thread so far: detached allocations (cache hits included) and workspace spills and
/// resizes. A step that adds none may be captured.
std::uint64_t device_allocation_events(Device device);

class GraphedStep {
 public:
  GraphedStep(std::string name, Device device) : plan_(std::move(name)), device_(device) {}

  const StepGraphPlan& plan() const { return plan_; }
  /// What to do for the step about to run. `signature` gives its mode and shapes; the device,
  /// the allocations of the last learning run, arena moves and this thread's workspaces are
  /// filled in here.
  GraphAction next(StepSignature signature);

  /// Makes the step's stream (made on first use) wait for the work the calling thread's
  /// current stream has enqueued so far; run() makes that stream wait for the step.
  void follow_caller();
  /// follow_caller(), then copies `batch` on the step's stream into buffers at fixed
  /// addresses (re-made when the shapes change), so that learning, capture and replays read
  /// the same input. While a graph exists, a batch of another shape (the short last one)
  /// gets buffers of its own, kept for the next epoch's.
  DataSet stage(const DataSet& batch);

  /// On the step's stream, as `action` says: captures `work` (once, then replays it), replays
  /// the graph through `replay` (which calls replay_graph()), or runs `eager`; the caller's
  /// stream then waits for the step. follow_caller() first.
  template <typename Eager, typename Work, typename Replay>
  void run(GraphAction action, Eager&& eager, Work&& work, Replay&& replay) {
    {
      const StreamGuard on_step_stream(*stream_);  // learning, capture and replays alike
      if (action == GraphAction::capture) capture(std::function<void()>(work));
      if (action == GraphAction::eager || graph_.empty())
        eager();
      else
        replay();
    }
    done_ready_->record(*stream_);
    done_ready_->wait(caller_);  // the caller's next work sees the step's results
  }
  void replay_graph() const { graph_.replay(*stream_); }
  /// The step's stream (after follow_caller()).
  Stream stream() const { return *stream_; }

  /// Before the capture, eager runs count the allocations of the part a graph would hold,
  /// from count_allocations() to counted(); the plan captures after a run that made none.
  bool learning() const { return !plan_.has_graph(); }
  void count_allocations() { allocations_before_ = device_allocation_events(device_); }
  void counted() {
    allocations_last_step_ = device_allocation_events(device_) - allocations_before_;
  }

 private:
  void capture(const std::function<void()>& work);

  StepGraphPlan plan_;
  Device device_;
  std::unique_ptr<OwnedStream> stream_;
  std::unique_ptr<Event> caller_ready_, done_ready_;
  Stream caller_;
  CudaGraph graph_;
  std::uint64_t allocations_before_ = 0, allocations_last_step_ = 0;
  std::uint64_t arena_moves_at_capture_ = 0;
  Tensor features_, labels_;              // the staged batch the graph reads
  Tensor other_features_, other_labels_;  // a batch of another shape, while a graph exists
};

}  // namespace gyre::nn
