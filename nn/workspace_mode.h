#pragma once
// DL4J's workspace modes, and the context through which a layer puts each array where its
// role belongs (DL4J's LayerWorkspaceMgr keyed by ArrayType).
#include <cstdint>
#include <string>

#include "runtime/tensor.h"
#include "workspace/workspace_manager.h"

namespace gyre::nn {

/// NONE: every array is detached. SINGLE: one workspace holds everything an iteration
/// creates. SEPARATE: activations for backprop in one workspace, per-layer working memory
/// in another reset after each layer, activation gradients in two alternating workspaces,
/// updater scratch in its own; inference alternates two workspaces.
enum class WorkspaceMode { NONE, SINGLE, SEPARATE };
const char* name_of(WorkspaceMode mode);
/// "none", "single", "separate" (any case); throws InvalidArgumentError otherwise.
WorkspaceMode parse_workspace_mode(const std::string& text);

/// The roles of the arrays a network creates.
enum class ArrayRole {
  input,
  activations,
  activation_gradients,
  forward_working,
  backward_working,
  updater_working
};

/// The workspace ids Gyre's networks use (ND4J's names where they exist).
namespace workspace_ids {
inline constexpr const char* kAllLayers = "WS_ALL_LAYERS";         // SINGLE, training
inline constexpr const char* kActivations = "WS_LAYER_ACT";        // SEPARATE: input + activations
inline constexpr const char* kWorking = "WS_LAYER_WORKING_MEM";    // SEPARATE: per layer
inline constexpr const char* kGradientsA = "WS_LAYER_ACT_GRAD_A";  // SEPARATE: alternating
inline constexpr const char* kGradientsB = "WS_LAYER_ACT_GRAD_B";
inline constexpr const char* kUpdater = "WS_UPDATER_WORKING_MEM";  // SEPARATE
inline constexpr const char* kInferenceSingle = "WS_INFERENCE";    // SINGLE, inference
inline constexpr const char* kInferenceA = "WS_INFERENCE_ACT_A";   // SEPARATE, alternating
inline constexpr const char* kInferenceB = "WS_INFERENCE_ACT_B";
inline constexpr const char* kInferenceInput = "WS_INFERENCE_INPUT";  // evaluate(): the batch
}  // namespace workspace_ids

/// What a layer needs to know during one pass. `outputs()` makes the memory of the layer's
/// results current (activations going forward, activation gradients going back),
/// `working()` the memory of its temporaries; both are open scopes of the network, so these
/// are borrows (no new cycle). A null id means "detached" (mode NONE).
struct LayerContext {
  WorkspaceManager* manager = nullptr;
  const char* output_id = nullptr;
  const char* working_id = nullptr;
  bool training = false;
  std::uint64_t seed = 0;  // the network's seed
  /// Training iterations done (an i64 scalar on the network's device), read by the kernels
  /// when they run, so that a replayed CUDA graph sees each new iteration: dropout masks
  /// differ per iteration. Null outside training.
  const Tensor* iteration = nullptr;
  int layer_index = 0;
  /// False for the first layer: nothing consumes d loss / d input, so it is not computed.
  bool need_input_gradient = true;
  /// The feature mask [N, T] of the layer's (first masked) input, for time series; null or
  /// undefined: every step is present.
  const Tensor* mask = nullptr;

  WorkspaceScope outputs() const;
  WorkspaceScope working() const;
};

}  // namespace gyre::nn
