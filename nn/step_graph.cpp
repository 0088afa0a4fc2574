#include "nn/step_graph.h"

#include "runtime/log.h"

namespace gyre::nn {

GraphAction StepGraphPlan::eager(const std::string& why) {
  reason_ = why;
  if (logged_.insert(why).second)
    GYRE_LOG(nn, info, "CUDA graphs: the ", step_, " step runs eagerly: ", why);
  return GraphAction::eager;
}

GraphAction StepGraphPlan::next(const StepSignature& signature) {
  // The learning cycle counts only for the workspaces that ran it.
  const bool same_shapes = seen_step_ && last_input_ == signature.input &&
                           last_target_ == signature.target &&
                           last_workspaces_ == signature.workspaces;
  last_input_ = signature.input;
  last_target_ = signature.target;
  last_workspaces_ = signature.workspaces;
  seen_step_ = true;
  if (disabled_) return eager(reason_);
  if (!signature.device.is_accelerator()) {
    // Said once: a step on the CPU asks every time, and must not allocate to hear it again.
    if (reason_.empty()) return eager(strcat(signature.device, " is not an accelerator"));
    return GraphAction::eager;
  }
  if (signature.mode == WorkspaceMode::NONE)
    return eager("workspace mode NONE allocates every step, so addresses change");
  if (signature.per_iteration_scalars)
    return eager(
        "its kernels take per-iteration host scalars (Adam's bias correction or dropout's "
        "seed), which a replay would repeat");
  if (has_graph_ && signature.arenas_moved) {
    has_graph_ = false;  // its addresses are gone: learn and capture again
    return eager(
        "a workspace arena moved since the capture (a resize, trim or destruction); "
        "the graph is dropped and captured again");
  }
  if (has_graph_ && signature.workspaces != graph_workspaces_) {
    return eager(
        "called on another thread than the capture's: the graph writes the capturing "
        "thread's workspaces, so this thread runs the step eagerly in its own");
  }
  if (has_graph_) {
    if (signature.input == graph_input_ && signature.target == graph_target_) {
      reason_.clear();
      ++replays_;
      return GraphAction::replay;
    }
    return eager(
        strcat("batch shape ", signature.input, " differs from the captured ", graph_input_));
  }
  // Capture after one learning cycle of these shapes that allocated nothing new.
  if (!same_shapes || signature.allocations_last_step != 0)
    return eager("learning: the workspaces are still finding their sizes");
  graph_input_ = signature.input;
  graph_target_ = signature.target;
  graph_workspaces_ = signature.workspaces;
  reason_.clear();
  return GraphAction::capture;
}

void StepGraphPlan::captured(bool ok, const std::string& why) {
  has_graph_ = ok;
  if (ok) return;
  disabled_ = true;
  eager(strcat("the capture failed (", why.empty() ? "no graph" : why, "); graphs are off for it"));
}

void StepGraphPlan::invalidate() {
  has_graph_ = false;
  seen_step_ = false;
}

}  // namespace gyre::nn
