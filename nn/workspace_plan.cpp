#include "nn/workspace_plan.h"

namespace gyre::nn {
namespace {

// SEPARATE's pool workspaces: A and B are DL4J's alternating pair, the rest what a graph adds.
constexpr const char* kGradientIds[kMaxLiveValues] = {
    workspace_ids::kGradientsA, workspace_ids::kGradientsB, "WS_LAYER_ACT_GRAD_C",
    "WS_LAYER_ACT_GRAD_D",      "WS_LAYER_ACT_GRAD_E",      "WS_LAYER_ACT_GRAD_F",
    "WS_LAYER_ACT_GRAD_G",      "WS_LAYER_ACT_GRAD_H",      "WS_LAYER_ACT_GRAD_I",
    "WS_LAYER_ACT_GRAD_J",      "WS_LAYER_ACT_GRAD_K",      "WS_LAYER_ACT_GRAD_L",
    "WS_LAYER_ACT_GRAD_M",      "WS_LAYER_ACT_GRAD_N",      "WS_LAYER_ACT_GRAD_O",
    "WS_LAYER_ACT_GRAD_P"};
constexpr const char* kInferenceIds[kMaxLiveValues] = {
    workspace_ids::kInferenceA, workspace_ids::kInferenceB, "WS_INFERENCE_ACT_C",
    "WS_INFERENCE_ACT_D",       "WS_INFERENCE_ACT_E",       "WS_INFERENCE_ACT_F",
    "WS_INFERENCE_ACT_G",       "WS_INFERENCE_ACT_H",       "WS_INFERENCE_ACT_I",
    "WS_INFERENCE_ACT_J",       "WS_INFERENCE_ACT_K",       "WS_INFERENCE_ACT_L",
    "WS_INFERENCE_ACT_M",       "WS_INFERENCE_ACT_N",       "WS_INFERENCE_ACT_O",
    "WS_INFERENCE_ACT_P"};

}  // namespace

TrainingWorkspaces TrainingWorkspaces::for_mode(WorkspaceMode mode) {
  namespace ids = workspace_ids;
  TrainingWorkspaces plan;
  if (mode == WorkspaceMode::NONE) return plan;
  const bool separate = mode == WorkspaceMode::SEPARATE;
  plan.activations = separate ? ids::kActivations : ids::kAllLayers;
  plan.working = separate ? ids::kWorking : plan.activations;
  for (int slot = 0; slot < kMaxLiveValues; ++slot)
    plan.gradients[slot] = separate ? kGradientIds[slot] : plan.activations;
  plan.updater = separate ? ids::kUpdater : plan.activations;
  return plan;
}

InferenceWorkspaces InferenceWorkspaces::for_mode(WorkspaceMode mode) {
  namespace ids = workspace_ids;
  InferenceWorkspaces plan;
  if (mode == WorkspaceMode::NONE) return plan;
  const bool separate = mode == WorkspaceMode::SEPARATE;
  for (int slot = 0; slot < kMaxLiveValues; ++slot)
    plan.activations[slot] = separate ? kInferenceIds[slot] : ids::kInferenceSingle;
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
