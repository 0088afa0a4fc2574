#pragma once
// Network: a sequential stack of layers with one flat parameter buffer, one flat gradient
// buffer and one flat updater-state buffer (every layer's parameters are views into them),
// trained and run under a workspace mode (NONE, SINGLE, SEPARATE), separately for
// training and inference. Deterministic given its seed.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/data_set.h"
#include "nn/evaluation.h"
#include "nn/layer.h"
#include "nn/step_graph.h"
#include "nn/updater.h"
#include "nn/workspace_mode.h"
#include "runtime/cuda_graph.h"
#include "runtime/stream.h"

namespace gyre::nn {

class OutputLayer;
class Network;
class AsyncDataSetIterator;

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

struct NetworkConfig {
  Shape input;                         // one example: [784] or [1, 28, 28]
  std::vector<nlohmann::json> layers;  // each {"type": ..., ...}; the last is "output"
  UpdaterConfig updater;
  std::uint64_t seed = 42;
  WorkspaceMode training_mode = WorkspaceMode::SEPARATE;
  WorkspaceMode inference_mode = WorkspaceMode::SEPARATE;
  /// Batches fit() prefetches on a background thread for a source that is
  /// async_supported() (0: none, the source is read on the training thread).
  int prefetch = 2;

  nlohmann::json to_json() const;
  /// Validates everything; errors name the field (and layer index) that is wrong.
  static NetworkConfig from_json(const nlohmann::json& json);
  static NetworkConfig from_file(const std::string& path);
  /// The standard MLP: 784-256-128-10, ReLU, softmax cross-entropy, Adam (lr 1e-3).
  static NetworkConfig mlp();
};

/// Builds a NetworkConfig in C++: Builder().input({784}).dense(256, "relu")...build().
class NetworkBuilder {
 public:
  NetworkBuilder& input(const Shape& example);
  NetworkBuilder& dense(std::int64_t units, const std::string& activation = "relu");
  NetworkBuilder& conv2d(std::int64_t channels, std::int64_t kernel, std::int64_t stride = 1,
                         std::int64_t padding = 0, const std::string& activation = "relu");
  NetworkBuilder& max_pool(std::int64_t kernel = 2, std::int64_t stride = 2);
  NetworkBuilder& avg_pool(std::int64_t kernel = 2, std::int64_t stride = 2);
  NetworkBuilder& batch_norm(float momentum = 0.1f, float epsilon = 1e-5f);
  NetworkBuilder& dropout(float probability);
  NetworkBuilder& activation(const std::string& name);
  NetworkBuilder& output(std::int64_t units, const std::string& loss = "mcxent");
  NetworkBuilder& updater(const UpdaterConfig& updater);
  NetworkBuilder& seed(std::uint64_t seed);
  NetworkBuilder& workspace_modes(WorkspaceMode training, WorkspaceMode inference);
  NetworkBuilder& prefetch(int batches);
  NetworkConfig build() const;

 private:
  NetworkConfig config_;
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
  const StepGraphPlan& inference_graph_plan() const { return inference_graph_plan_; }
  const StepGraphPlan& training_graph_plan() const { return training_graph_plan_; }

  /// Trains for `epochs` passes over the iterator (reset at each epoch start). A source
  /// that is async_supported() is read ahead by an AsyncDataSetIterator (config.prefetch
  /// batches) that the network keeps across calls; it leaves the source alone on return.
  void fit(DataSetIterator& data, int epochs);
  /// One training iteration on a batch.
  void fit(const DataSet& batch);
  /// Forward and backward on a batch without updating: the gradients are left in
  /// gradients() and the loss is returned (for gradient checks and gradient sharing).
  double compute_gradients(const DataSet& batch);
  /// The network's outputs for `features`, detached (valid after any scope closes).
  Tensor output(const Tensor& features);
  /// The loss of the last training iteration (reads it back to the host).
  double score() const;
  /// Runs the data through the network once and feeds every evaluator each batch.
  void evaluate(DataSetIterator& data, const std::vector<Evaluator*>& evaluators);

  void add_listener(TrainingListener* listener) { listeners_.push_back(listener); }
  std::int64_t iteration() const { return iteration_; }
  int epoch() const { return epoch_; }

  // The flat buffers (detached, on the network's device).
  const Tensor& parameters() const { return parameters_; }
  const Tensor& gradients() const { return gradients_; }
  const Tensor& updater_state() const { return updater_state_; }
  /// The layers' non-trainable state (batch norm's running statistics), possibly empty.
  const Tensor& state() const { return state_; }
  /// The prefetcher fit() used, or null if it has not used one.
  const AsyncDataSetIterator* prefetcher() const { return prefetcher_.get(); }
  /// Restores the iteration count (the Adam step) from a model file.
  void set_iteration(std::int64_t iteration);
  std::int64_t parameter_count() const { return parameters_.numel(); }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  /// Named views of every layer's parameters and state ("0.W", "0.b", "1.mean", ...), for
  /// model files.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  /// Allocations at addresses a graph replay would not see again, made on the network's
  /// device by this thread so far: detached allocations (cache hits included) and workspace
  /// spills and resizes. A step that adds none may be captured.
  std::uint64_t device_allocation_events() const;

 private:
  void train_iteration(const DataSet& batch, DataSetIterator* source, bool update = true);
  /// The kernels of one iteration (forward, loss, backward and, with `update`, the step
  /// counter and the updater) on a batch, or on source->next(); returns its examples.
  std::int64_t training_step(const DataSet& given, DataSetIterator* source, bool update);
  /// One training iteration as a CUDA graph, as the training plan says.
  std::int64_t train_with_graph(const DataSet& given, DataSetIterator* source);
  /// Forward pass for inference; calls `use(labels, predictions)` while they are valid.
  template <typename Use>
  void infer(const Tensor& features, Use use);

  NetworkConfig config_;
  Device device_;
  std::vector<std::unique_ptr<Layer>> layers_;
  OutputLayer* output_layer_ = nullptr;
  Tensor parameters_, gradients_, updater_state_, state_;
  Tensor last_loss_;  // a detached device scalar: the loss of the last iteration
  std::int64_t iteration_ = 0;
  Tensor iteration_counter_;  // iteration_ as an i64 scalar on the device, for the kernels
  int epoch_ = 0;
  std::vector<TrainingListener*> listeners_;
  bool batch_invariant_ = false;
  // CUDA graphs of the steps: fixed input and output buffers, a stream of their own.
  Tensor output_eager(const Tensor& features);
  Tensor output_with_graph(const Tensor& features);
  void make_graph_stream();
  bool cuda_graphs_ = false;
  StepGraphPlan inference_graph_plan_{"inference"}, training_graph_plan_{"training"};
  std::uint64_t allocations_last_output_ = 0, allocations_last_training_ = 0;
  std::uint64_t arena_moves_at_inference_capture_ = 0, arena_moves_at_training_capture_ = 0;
  std::unique_ptr<OwnedStream> graph_stream_;
  std::unique_ptr<Event> graph_input_ready_, graph_output_ready_;
  CudaGraph inference_graph_, training_graph_;
  Tensor graph_input_, graph_output_;
  Tensor graph_features_, graph_labels_;  // the training graph's batch
  Tensor other_features_, other_labels_;  // a batch of another shape, while a graph exists
  Shape last_output_shape_;
  std::unique_ptr<AsyncDataSetIterator> prefetcher_;  // made by the first fit() that prefetches
};

/// Builds one layer from its JSON config (throws InvalidArgumentError naming the field).
std::unique_ptr<Layer> make_layer(const nlohmann::json& config, int index);

}  // namespace gyre::nn
