#include "nn/workspace_plan.h"

namespace gyre::nn {

TrainingWorkspaces TrainingWorkspaces::for_mode(WorkspaceMode mode) {
  namespace ids = workspace_ids;
  TrainingWorkspaces plan;
  if (mode == WorkspaceMode::NONE) return plan;
  const bool separate = mode == WorkspaceMode::SEPARATE;
  plan.activations = separate ? ids::kActivations : ids::kAllLayers;
  plan.working = separate ? ids::kWorking : plan.activations;
  plan.gradients[0] = separate ? ids::kGradientsA : plan.activations;
  plan.gradients[1] = separate ? ids::kGradientsB : plan.activations;
  plan.updater = separate ? ids::kUpdater : plan.activations;
  return plan;
}

InferenceWorkspaces InferenceWorkspaces::for_mode(WorkspaceMode mode) {
  namespace ids = workspace_ids;
  InferenceWorkspaces plan;
  if (mode == WorkspaceMode::NONE) return plan;
  const bool separate = mode == WorkspaceMode::SEPARATE;
  plan.activations[0] = separate ? ids::kInferenceA : ids::kInferenceSingle;
  plan.activations[1] = separate ? ids::kInferenceB : ids::kInferenceSingle;
  plan.working = separate ? ids::kWorking : plan.activations[0];
  plan.input = ids::kInferenceInput;
  return plan;
}

WorkspaceScope open_network_scope(WorkspaceManager& manager, const char* id) {
  if (id == nullptr) return manager.scope_out();
  WorkspaceConfig config;
  config.spill = SpillPolicy::REALLOCATE;
  return manager.activate(id, config);
}

bool produced_in(const WorkspaceScope& scope, const Tensor& result) {
  return scope.workspace() == nullptr || !result.defined() ||
         scope.workspace()->owns(result.lifetime());
}

}  // namespace gyre::nn
