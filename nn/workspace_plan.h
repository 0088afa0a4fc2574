#pragma once
// WorkspacePlan: which network workspace holds each role's arrays under a workspace mode
// (docs/design/networks.md has the table), chosen once per mode rather than at every use.
// A null id means detached memory (mode NONE).
#include "nn/workspace_mode.h"
#include "workspace/workspace_manager.h"

namespace gyre::nn {

/// The most values a pass over a graph keeps alive at once, and so the most workspaces a
/// liveness pool (nn/liveness_pool.h) uses: a chain needs 2, a residual block 3.
inline constexpr int kMaxLiveValues = 16;

/// The training iteration's workspaces.
struct TrainingWorkspaces {
  const char* activations = nullptr;  // the input batch and the activations kept for backprop
  const char* working = nullptr;      // forward and backward temporaries, a cycle per layer
  const char* gradients[kMaxLiveValues] = {};  // activation gradients, by liveness (A, B, ...)
  const char* updater = nullptr;               // the optimizer's scratch

  static TrainingWorkspaces for_mode(WorkspaceMode mode);
};

/// The inference pass's workspaces.
struct InferenceWorkspaces {
  const char* activations[kMaxLiveValues] = {};  // vertex outputs, by liveness (A, B, ...)
  const char* working = nullptr;
  const char* input = nullptr;  // evaluate(): the batch, while the layers alternate

  static InferenceWorkspaces for_mode(WorkspaceMode mode);
};

struct WorkspacePlan {
  TrainingWorkspaces training;
  InferenceWorkspaces inference;

  WorkspacePlan(WorkspaceMode training_mode, WorkspaceMode inference_mode)
      : training(TrainingWorkspaces::for_mode(training_mode)),
        inference(InferenceWorkspaces::for_mode(inference_mode)) {}
};

/// A scope of the network workspace `id`, or a scope-out (detached memory) when `id` is
/// null. Network workspaces learn their sizes from the first cycle and grow (REALLOCATE)
/// when a later cycle needs more, so after the first iteration nothing spills.
WorkspaceScope open_network_scope(WorkspaceManager& manager, const char* id);

/// Whether a layer's result lives in the workspace of `scope` (false for a pass-through
/// layer that returned its input). Without workspaces (mode NONE) there is nothing to keep
/// apart.
bool produced_in(const WorkspaceScope& scope, const Tensor& result);

}  // namespace gyre::nn
