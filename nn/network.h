#pragma once
// Network: a graph of layers and vertices (DL4J's ComputationGraph; a sequential network is
// the chain) with one flat parameter buffer, one flat gradient buffer and one flat
// updater-state buffer (every layer's parameters are views into them), trained and run
// under a workspace mode (NONE, SINGLE, SEPARATE), separately for training and inference.
// Deterministic given its seed. Its config and layer types live in nn/network_config.h and
// nn/layer_registry.h, its order in nn/graph_topology.h, the liveness of a pass's values in
// nn/liveness_pool.h, its graphed steps in nn/graphed_step.h and its epochs (the
// prefetcher) in nn/epoch_driver.h.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/data_set.h"
#include "nn/epoch_driver.h"
#include "nn/evaluation.h"
#include "nn/graph_topology.h"
#include "nn/graphed_step.h"
#include "nn/layer.h"
#include "nn/layer_registry.h"
#include "nn/liveness_pool.h"
#include "nn/network_config.h"
#include "nn/updater.h"
#include "nn/workspace_mode.h"
#include "nn/workspace_plan.h"

namespace gyre::nn {

class OutputLayer;
class Network;

/// What fit() tells its listeners.
class TrainingListener {
 public:
  virtual ~TrainingListener() = default;
  /// After each iteration (Network::score() reads the loss, which synchronizes a GPU; a
  /// listener that does not need it every time should not ask).
  virtual void iteration_done(Network& network, std::int64_t iteration, int epoch,
                              std::int64_t examples) {
    (void)network, (void)iteration, (void)epoch, (void)examples;
  }
  virtual void epoch_done(Network& network, int epoch) { (void)network, (void)epoch; }
};

class Network {
 public:
  Network(const NetworkConfig& config, Device device = Device::cpu());
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  const NetworkConfig& config() const { return config_; }
  Device device() const { return device_; }
  void set_workspace_modes(WorkspaceMode training, WorkspaceMode inference);
  /// Inference (output, evaluate) gives each example the same bits whatever batch it is
  /// in (kernels/batch_invariance.h); off by default: small batches cost more.
  void set_batch_invariant(bool on) { batch_invariant_ = on; }
  bool batch_invariant() const { return batch_invariant_; }
  /// Opt-in: the training step (fit()) and the inference step (output()) on a CUDA device
  /// run as replayed CUDA graphs once their workspaces have learned their sizes
  /// (nn/step_graph.h says when; anything else runs eagerly, the reason logged once).
  void set_cuda_graphs(bool on) { cuda_graphs_ = on; }
  /// The steps' graph plans (why a step is eager, how many replays).
  const StepGraphPlan& inference_graph_plan() const { return inference_graph_.plan(); }
  const StepGraphPlan& training_graph_plan() const { return training_graph_.plan(); }
  /// When fit()'s training step lets the prefetcher prepare the next batch (null: always).
  /// By default BusyCoresPacing (nn/prefetch_pacing.h).
  void set_prefetch_pacing(std::unique_ptr<PrefetchPacing> pacing) {
    epochs_.set_pacing(std::move(pacing));
  }

  /// Trains for `epochs` passes over the iterator (reset at each epoch start). A source
  /// that is async_supported() is read ahead by an AsyncDataSetIterator (config.prefetch
  /// batches) that the network keeps across calls; it leaves the source alone on return.
  void fit(DataSetIterator& data, int epochs);
  /// The same over batches of every input and output (AsyncMultiDataSetIterator prefetches).
  void fit(MultiDataSetIterator& data, int epochs);
  /// One training iteration on a batch (a graph of one input and one output).
  void fit(const DataSet& batch);
  /// One training iteration on a batch of every input and output, in the config's order.
  void fit(const MultiDataSet& batch);
  /// Forward and backward on a batch without updating: the gradients are left in
  /// gradients() and the (weighted, summed) loss is returned (for gradient checks and
  /// gradient sharing).
  double compute_gradients(const DataSet& batch);
  double compute_gradients(const MultiDataSet& batch);
  /// The network's output for `features`, detached (valid after any scope closes); for a
  /// graph of one input and one output.
  Tensor output(const Tensor& features);
  /// Every output (in the config's order) for one features tensor per input, detached.
  std::vector<Tensor> output(const std::vector<Tensor>& features);
  /// The same with feature masks ([N, T] for a time-series input; undefined for an input
  /// without one): padded steps are read as DL4J masks them. Runs eagerly (no CUDA graph).
  Tensor output(const Tensor& features, const Tensor& features_mask);
  std::vector<Tensor> output(const std::vector<Tensor>& features,
                             const std::vector<Tensor>& features_masks);
  /// The loss of the last training iteration (reads it back to the host).
  double score() const;
  /// Runs the data through the network once and feeds every evaluator each batch (a graph
  /// of one input and one output).
  void evaluate(DataSetIterator& data, const std::vector<Evaluator*>& evaluators);
  /// The same for any graph: `evaluators[o]` (possibly empty) are fed graph output o's
  /// predictions and labels (DL4J's per-output evaluation).
  void evaluate(MultiDataSetIterator& data, const std::vector<std::vector<Evaluator*>>& evaluators);

  void add_listener(TrainingListener* listener) { listeners_.push_back(listener); }
  std::int64_t iteration() const { return iteration_; }
  int epoch() const { return epoch_; }

  // The flat buffers (detached, on the network's device).
  const Tensor& parameters() const { return parameters_; }
  const Tensor& gradients() const { return gradients_; }
  const Tensor& updater_state() const { return updater_state_; }
  /// The layers' non-trainable state (batch norm's running statistics), possibly empty.
  const Tensor& state() const { return state_; }
  /// The prefetcher fit() used last, or null if it has not used one.
  const AsyncPrefetcher* prefetcher() const { return epochs_.prefetcher(); }
  /// Restores the iteration count (the Adam step) from a model file.
  void set_iteration(std::int64_t iteration);
  std::int64_t parameter_count() const { return parameters_.numel(); }
  /// The layers and vertices in execution order (a sequential network's: the config's).
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  /// The vertex names, in execution order.
  const std::vector<std::string>& vertex_names() const { return names_; }
  const GraphTopology& topology() const { return topology_; }
  /// Named views of every layer's parameters and state ("<vertex>.W", "<vertex>.b",
  /// "<vertex>.mean", ...; a sequential network's vertices are "0", "1", ...), for model files.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  /// Allocations at addresses a graph replay would not see again, made on the network's
  /// device by this thread so far: detached allocations (cache hits included) and workspace
  /// spills and resizes. A step that adds none may be captured.
  std::uint64_t device_allocation_events() const { return nn::device_allocation_events(device_); }

  /// A new network on `device` with this one's config (workspace modes included),
  /// parameters, state, updater state and iteration: it trains on from where this one is,
  /// independently of it. Waits for this network's pending work on its device.
  std::unique_ptr<Network> clone_to(Device device) const;

 private:
  /// A batch's tensors without copying them (a DataSet's two or a MultiDataSet's; labels
  /// null for inference).
  struct BatchView {
    const Tensor* features;
    std::size_t feature_count;
    const Tensor* labels;
    std::size_t label_count;
    const Tensor* masks;  // one per input, or null: none
    std::size_t mask_count;
    const Tensor* label_masks = nullptr;  // one per output, or null: none
    std::size_t label_mask_count = 0;
  };
  static BatchView view_of(const DataSet& batch) {
    return {&batch.features, 1, &batch.labels, 1, &batch.features_mask, 1, &batch.labels_mask, 1};
  }
  static BatchView view_of(const MultiDataSet& batch) {
    return {batch.features.data(),
            batch.features.size(),
            batch.labels.data(),
            batch.labels.size(),
            batch.features_masks.empty() ? nullptr : batch.features_masks.data(),
            batch.features_masks.size(),
            batch.labels_masks.empty() ? nullptr : batch.labels_masks.data(),
            batch.labels_masks.size()};
  }
  /// Throws unless `features` are [N, example] for graph input `input`.
  void check_example_shape(const Tensor& features, std::size_t input, const char* what) const;
  /// Sets the masks of the graph inputs (`masks`: one per input, or null) in masks_.
  void set_input_masks(const Tensor* masks);
  /// The mask vertex k reads (its Layer::mask_input()'s, else its first input's that has
  /// one; null: none).
  const Tensor* mask_for(std::size_t k) const;

  /// Where a training iteration's batch comes from: one of these is set.
  struct StepInput {
    const DataSet* batch = nullptr;
    const MultiDataSet* multi = nullptr;
    DataSetIterator* source = nullptr;             // next() inside the step's scope
    MultiDataSetIterator* multi_source = nullptr;  // the same
  };
  template <typename Source>
  void fit_over(Source& data, int epochs);
  void train_iteration(const StepInput& input, bool update = true);
  /// The kernels of one iteration (forward, loss, backward and, with `update`, the step
  /// counter and the updater) on the input's batch; returns its examples.
  std::int64_t training_step(const StepInput& input, bool update);
  /// The forward pass of training (every activation kept) and the summed loss.
  void forward_for_training(const BatchView& batch, LayerContext& context,
                            const TrainingWorkspaces& ids);
  /// The backward pass: activation gradients by liveness, parameter gradients written.
  void backward(LayerContext& context, const TrainingWorkspaces& ids);
  /// Throws when a batch does not match the graph's inputs and outputs or is on another
  /// device (`what` names the call).
  void check_batch(const BatchView& batch, const char* what) const;
  /// Eager inference on one features tensor (and mask, or null) per input: every output,
  /// detached.
  std::vector<Tensor> infer_detached(const Tensor* features, const Tensor* masks);
  /// One training iteration as a CUDA graph, as the training plan says.
  std::int64_t train_with_graph(const StepInput& input);
  /// Forward pass for inference over one tensor per input; calls `use(outputs)` (every
  /// graph output, in order) while they are valid.
  template <typename Use>
  void infer(const Tensor* features, const Tensor* masks, Use use);
  Tensor output_eager(const Tensor& features);
  /// evaluate() over either kind of source; `evaluators` has one list per output.
  template <typename Source>
  void evaluate_over(Source& data, const std::vector<Evaluator*>* evaluators);
  /// evaluate()'s batch: its features and masks moved to the network's device if needed
  /// (in the active workspace), the forward pass, and each output's evaluators fed.
  void evaluate_batch(const BatchView& batch, const std::vector<Evaluator*>* evaluators,
                      bool detached);
  /// The inference step as a CUDA graph, as the inference plan says.
  Tensor output_with_graph(const Tensor& features);

  NetworkConfig config_;
  Device device_;
  WorkspacePlan workspaces_;  // follows config_'s workspace modes
  GraphTopology topology_;
  std::vector<std::unique_ptr<Layer>> layers_;  // in execution order
  std::vector<std::string> names_;              // their vertex names
  std::vector<OutputLayer*> output_layers_;     // per graph output
  std::vector<char> is_output_;                 // per executed vertex
  // A pass's tables, sized once: a steady-state step allocates nothing.
  std::vector<Tensor> activations_;  // training: every value of the forward pass
  std::vector<Tensor> masks_;        // every value's feature mask (undefined: none)
  std::vector<Tensor> gathered_;     // the inputs of the vertex running
  std::vector<Tensor> input_gradients_;
  std::vector<Tensor> outputs_;                      // inference: the graph's outputs
  std::vector<Tensor> evaluated_, evaluated_masks_;  // evaluate(): a batch on the device
  LivenessPool pool_;
  Tensor parameters_, gradients_, updater_state_, state_;
  Tensor last_loss_;  // a detached device scalar: the loss of the last iteration
  std::int64_t iteration_ = 0;
  Tensor iteration_counter_;  // iteration_ as an i64 scalar on the device, for the kernels
  int epoch_ = 0;
  std::vector<TrainingListener*> listeners_;
  bool batch_invariant_ = false;
  bool cuda_graphs_ = false;
  GraphedStep inference_graph_, training_graph_;
  Tensor graph_input_, graph_output_;  // the inference graph's fixed buffers
  Shape last_output_shape_;
  EpochDriver epochs_;
};

}  // namespace gyre::nn
