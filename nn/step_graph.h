#pragma once
// StepGraphPlan: when a network step (an inference or a training iteration) may run as a
// replayed CUDA graph, and when it must run eagerly. Pure logic, tested on the CPU; the
// Network does the capturing. A step is captured once, after a learning cycle in
// which its workspaces allocated nothing new (so a replay touches the addresses the capture
// saw), and replayed while its batch shape stays the same. Everything else runs eagerly,
// each reason logged once.
#include <cstdint>
#include <set>
#include <string>

#include "nn/workspace_mode.h"
#include "runtime/device.h"
#include "runtime/shape.h"

namespace gyre::nn {

enum class GraphAction { eager, capture, replay };

/// What the plan needs to know about the step about to run.
struct StepSignature {
  Device device;
  WorkspaceMode mode = WorkspaceMode::SEPARATE;
  Shape input;
  /// Training: the labels' shape (a replay needs both shapes as captured).
  Shape target;
  /// The step hands its kernels host scalars that change every iteration: a replay would
  /// repeat the captured ones. (Gyre's training step reads its iteration from device
  /// memory instead, so this is false for it.)
  bool per_iteration_scalars = false;
  /// Workspace spills, resizes and detached allocations during the previous step.
  std::uint64_t allocations_last_step = 0;
  /// Whether a workspace arena was replaced or freed since the capture (Workspace::
  /// arena_moves): the graph's addresses are stale, so it is dropped and re-learned.
  bool arenas_moved = false;
  /// Whose workspaces the step uses (the calling thread's WorkspaceManager): a graph holds
  /// their addresses, so it replays only for the workspaces it was captured with.
  const void* workspaces = nullptr;
};

class StepGraphPlan {
 public:
  explicit StepGraphPlan(std::string step) : step_(std::move(step)) {}

  /// What to do for the step about to run.
  GraphAction next(const StepSignature& signature);
  /// After a capture: whether it produced a graph, and why not. A failed capture turns
  /// graphs off for this step for good (logged).
  void captured(bool ok, const std::string& why = {});
  /// Forgets the graph (new parameters' addresses, a new workspace mode).
  void invalidate();

  bool has_graph() const { return has_graph_; }
  /// Why the last step ran eagerly ("" when it did not).
  const std::string& reason() const { return reason_; }
  std::uint64_t replays() const { return replays_; }

 private:
  GraphAction eager(const std::string& why);

  std::string step_;
  bool has_graph_ = false, disabled_ = false;
  Shape graph_input_, last_input_, graph_target_, last_target_;
  const void* graph_workspaces_ = nullptr;
  const void* last_workspaces_ = nullptr;
  bool seen_step_ = false;
  std::string reason_;
  std::set<std::string> logged_;
  std::uint64_t replays_ = 0;
};

}  // namespace gyre::nn
