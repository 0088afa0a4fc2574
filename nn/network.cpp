#include "nn/network.h"

#include <fstream>
#include <sstream>

#include "kernels/batch_invariance.h"
#include "kernels/blas_info.h"
#include "kernels/ops.h"
#include "nn/activations.h"
#include "nn/async_iterator.h"
#include "nn/convolution_layers.h"
#include "nn/output_layer.h"
#include "nn/simple_layers.h"
#include "runtime/detached_memory.h"
#include "runtime/error.h"
#include "runtime/tensor_copy.h"

namespace gyre::nn {
namespace {

// The network's workspaces learn their sizes from the first cycle and grow (REALLOCATE)
// when a later cycle needs more, e.g. the gradient workspaces whose cycles alternate over
// layers of different sizes: after the first iteration nothing spills.
WorkspaceConfig network_workspace_config();

// A scope of the network workspace `id`, or a scope-out (detached memory) when `id` is null
// (workspace mode NONE).
WorkspaceScope open_network_scope(WorkspaceManager& manager, const char* id) {
  return id != nullptr ? manager.activate(id, network_workspace_config()) : manager.scope_out();
}

WorkspaceConfig network_workspace_config() {
  WorkspaceConfig config;
  config.spill = SpillPolicy::REALLOCATE;
  return config;
}

// Whether a layer's result lives in the workspace of `scope` (false for a pass-through layer
// that returned its input). Without workspaces (mode NONE) there is nothing to keep apart.
bool produced_in(const WorkspaceScope& scope, const Tensor& result) {
  return scope.workspace() == nullptr || !result.defined() ||
         scope.workspace()->owns(result.lifetime());
}

std::int64_t integer(const nlohmann::json& json, const char* key, int index, std::int64_t fallback,
                     bool required) {
  if (!json.contains(key)) {
    GYRE_CHECK(!required, InvalidArgumentError, "layer ", index, " (", json.dump(), ") needs '",
               key, "'");
    return fallback;
  }
  GYRE_CHECK(json[key].is_number_integer(), InvalidArgumentError, "layer ", index, ": '", key,
             "' must be an integer, got ", json[key].dump());
  return json[key].get<std::int64_t>();
}

float real(const nlohmann::json& json, const char* key, int index, float fallback) {
  if (!json.contains(key)) return fallback;
  GYRE_CHECK(json[key].is_number(), InvalidArgumentError, "layer ", index, ": '", key,
             "' must be a number, got ", json[key].dump());
  return json[key].get<float>();
}

std::string text(const nlohmann::json& json, const char* key, int index,
                 const std::string& fallback) {
  if (!json.contains(key)) return fallback;
  GYRE_CHECK(json[key].is_string(), InvalidArgumentError, "layer ", index, ": '", key,
             "' must be a string, got ", json[key].dump());
  return json[key].get<std::string>();
}

}  // namespace

std::unique_ptr<Layer> make_layer(const nlohmann::json& config, int index) {
  GYRE_CHECK(config.is_object() && config.contains("type") && config["type"].is_string(),
             InvalidArgumentError, "layer ", index, " must be an object with a string 'type', got ",
             config.dump());
  const std::string type = config["type"].get<std::string>();
  if (type == "dense") {
    return std::make_unique<DenseLayer>(
        integer(config, "units", index, 0, true),
        parse_activation(text(config, "activation", index, "relu")));
  }
  if (type == "output") {
    return std::make_unique<OutputLayer>(integer(config, "units", index, 0, true),
                                         parse_loss(text(config, "loss", index, "mcxent")));
  }
  if (type == "conv2d") {
    return std::make_unique<Conv2dLayer>(
        integer(config, "channels", index, 0, true), integer(config, "kernel", index, 0, true),
        integer(config, "stride", index, 1, false), integer(config, "padding", index, 0, false),
        parse_activation(text(config, "activation", index, "relu")));
  }
  if (type == "maxpool" || type == "avgpool") {
    return std::make_unique<PoolLayer>(
        type == "maxpool" ? kernels::Pooling::max : kernels::Pooling::average,
        integer(config, "kernel", index, 2, false), integer(config, "stride", index, 2, false));
  }
  if (type == "batchnorm") {
    return std::make_unique<BatchNormLayer>(real(config, "momentum", index, 0.1f),
                                            real(config, "epsilon", index, 1e-5f));
  }
  if (type == "dropout")
    return std::make_unique<DropoutLayer>(real(config, "probability", index, 0.5f));
  if (type == "activation") {
    return std::make_unique<ActivationLayer>(
        parse_activation(text(config, "activation", index, "relu")));
  }
  throw InvalidArgumentError(
      strcat("layer ", index, ": unknown type '", type,
             "'; use dense, output, conv2d, maxpool, avgpool, batchnorm, dropout or activation"));
}

// ---- config -------------------------------------------------------------------------------

nlohmann::json NetworkConfig::to_json() const {
  std::vector<std::int64_t> dims(input.dims(), input.dims() + input.rank());
  return {{"input", dims},
          {"seed", seed},
          {"updater", updater.to_json()},
          {"training_workspace_mode", name_of(training_mode)},
          {"inference_workspace_mode", name_of(inference_mode)},
          {"prefetch", prefetch},
          {"layers", layers}};
}

NetworkConfig NetworkConfig::from_json(const nlohmann::json& json) {
  GYRE_CHECK(json.is_object(), InvalidArgumentError, "a network config must be a JSON object");
  NetworkConfig config;
  GYRE_CHECK(json.contains("input") && json["input"].is_array() && !json["input"].empty() &&
                 json["input"].size() <= static_cast<std::size_t>(Shape::kMaxRank - 1),
             InvalidArgumentError,
             "network config: 'input' must be the shape of one example, e.g. [784] or [1, 28, 28]");
  std::int64_t dims[Shape::kMaxRank];
  int rank = 0;
  for (const auto& dim : json["input"]) {
    GYRE_CHECK(dim.is_number_integer() && dim.get<std::int64_t>() > 0, InvalidArgumentError,
               "network config: 'input' dimensions must be positive integers, got ",
               json["input"].dump());
    dims[rank++] = dim.get<std::int64_t>();
  }
  config.input = Shape(dims, rank);
  if (json.contains("seed")) {
    GYRE_CHECK(json["seed"].is_number_unsigned(), InvalidArgumentError,
               "network config: 'seed' must be >= 0");
    config.seed = json["seed"].get<std::uint64_t>();
  }
  if (json.contains("updater")) config.updater = UpdaterConfig::from_json(json["updater"]);
  for (const char* key : {"training_workspace_mode", "inference_workspace_mode"}) {
    if (!json.contains(key)) continue;
    GYRE_CHECK(json[key].is_string(), InvalidArgumentError, "network config: '", key,
               "' must be a string");
    (std::string(key) == "training_workspace_mode" ? config.training_mode : config.inference_mode) =
        parse_workspace_mode(json[key].get<std::string>());
  }
  if (json.contains("prefetch")) {
    GYRE_CHECK(json["prefetch"].is_number_integer() && json["prefetch"].get<std::int64_t>() >= 0 &&
                   json["prefetch"].get<std::int64_t>() <= 64,
               InvalidArgumentError,
               "network config: 'prefetch' must be an integer from 0 (no prefetching) to 64, got ",
               json["prefetch"].dump());
    config.prefetch = json["prefetch"].get<int>();
  }
  GYRE_CHECK(json.contains("layers") && json["layers"].is_array() && !json["layers"].empty(),
             InvalidArgumentError, "network config: 'layers' must be a non-empty array");
  for (const auto& layer : json["layers"]) config.layers.push_back(layer);
  return config;
}

NetworkConfig NetworkConfig::from_file(const std::string& path) {
  std::ifstream in(path);
  GYRE_CHECK(in.good(), InvalidArgumentError, "cannot read the network config '", path, "'");
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  GYRE_CHECK(!json.is_discarded(), InvalidArgumentError, "network config '", path,
             "' is not valid JSON");
  try {
    return from_json(json);
  } catch (const InvalidArgumentError& error) {
    throw InvalidArgumentError(strcat(path, ": ", error.what()));
  }
}

NetworkConfig NetworkConfig::mlp() {
  return NetworkBuilder().input({784}).dense(256).dense(128).output(10).build();
}

NetworkBuilder& NetworkBuilder::input(const Shape& example) {
  config_.input = example;
  return *this;
}
NetworkBuilder& NetworkBuilder::dense(std::int64_t units, const std::string& activation) {
  config_.layers.push_back({{"type", "dense"}, {"units", units}, {"activation", activation}});
  return *this;
}
NetworkBuilder& NetworkBuilder::conv2d(std::int64_t channels, std::int64_t kernel,
                                       std::int64_t stride, std::int64_t padding,
                                       const std::string& activation) {
  config_.layers.push_back({{"type", "conv2d"},
                            {"channels", channels},
                            {"kernel", kernel},
                            {"stride", stride},
                            {"padding", padding},
                            {"activation", activation}});
  return *this;
}
NetworkBuilder& NetworkBuilder::max_pool(std::int64_t kernel, std::int64_t stride) {
  config_.layers.push_back({{"type", "maxpool"}, {"kernel", kernel}, {"stride", stride}});
  return *this;
}
NetworkBuilder& NetworkBuilder::avg_pool(std::int64_t kernel, std::int64_t stride) {
  config_.layers.push_back({{"type", "avgpool"}, {"kernel", kernel}, {"stride", stride}});
  return *this;
}
NetworkBuilder& NetworkBuilder::batch_norm(float momentum, float epsilon) {
  config_.layers.push_back({{"type", "batchnorm"}, {"momentum", momentum}, {"epsilon", epsilon}});
  return *this;
}
NetworkBuilder& NetworkBuilder::dropout(float probability) {
  config_.layers.push_back({{"type", "dropout"}, {"probability", probability}});
  return *this;
}
NetworkBuilder& NetworkBuilder::activation(const std::string& name) {
  config_.layers.push_back({{"type", "activation"}, {"activation", name}});
  return *this;
}
NetworkBuilder& NetworkBuilder::output(std::int64_t units, const std::string& loss) {
  config_.layers.push_back({{"type", "output"}, {"units", units}, {"loss", loss}});
  return *this;
}
NetworkBuilder& NetworkBuilder::updater(const UpdaterConfig& updater) {
  config_.updater = updater;
  return *this;
}
NetworkBuilder& NetworkBuilder::seed(std::uint64_t seed) {
  config_.seed = seed;
  return *this;
}
NetworkBuilder& NetworkBuilder::workspace_modes(WorkspaceMode training, WorkspaceMode inference) {
  config_.training_mode = training;
  config_.inference_mode = inference;
  return *this;
}
NetworkBuilder& NetworkBuilder::prefetch(int batches) {
  config_.prefetch = batches;
  return *this;
}
NetworkConfig NetworkBuilder::build() const {
  return NetworkConfig::from_json(config_.to_json());
}

// ---- network --------------------------------------------------------------------------------

// Every public entry that touches the device makes it current first (DeviceGuard): the
// calling thread may have any device current, and a new thread has device 0.
Network::Network(const NetworkConfig& config, Device device) : config_(config), device_(device) {
  const DeviceGuard on_device(device);
  Shape shape = config.input;
  std::vector<std::int64_t> offsets, state_offsets;
  std::int64_t total = 0, state_total = 0;
  for (std::size_t i = 0; i < config.layers.size(); ++i) {
    layers_.push_back(make_layer(config.layers[i], static_cast<int>(i)));
    try {
      shape = layers_.back()->configure(shape);
    } catch (const InvalidArgumentError& error) {
      throw InvalidArgumentError(
          strcat("layer ", i, " (", config.layers[i].dump(), "): ", error.what()));
    }
    offsets.push_back(total);
    total += layers_.back()->parameter_count();
    state_offsets.push_back(state_total);
    state_total += layers_.back()->state_count();
  }
  output_layer_ = dynamic_cast<OutputLayer*>(layers_.back().get());
  GYRE_CHECK(output_layer_ != nullptr, InvalidArgumentError,
             "the last layer must be an 'output' layer (with its loss), got ",
             config.layers.back().dump());
  for (std::size_t i = 0; i + 1 < layers_.size(); ++i) {
    GYRE_CHECK(dynamic_cast<OutputLayer*>(layers_[i].get()) == nullptr, InvalidArgumentError,
               "layer ", i, " is an output layer; only the last layer may be one");
  }
  parameters_ = Tensor::empty_detached({total}, DType::f32, device);
  gradients_ = Tensor::empty_detached({total}, DType::f32, device);
  state_ = Tensor::empty_detached({state_total}, DType::f32, device);
  updater_state_ =
      Tensor::empty_detached({total * config.updater.state_per_parameter()}, DType::f32, device);
  last_loss_ = Tensor::empty_detached(Shape{}, DType::f32, device);
  iteration_counter_ = Tensor::empty_detached(Shape{}, DType::i64, device);
  kernels::fill(iteration_counter_, 0.0);
  kernels::fill(gradients_, 0.0);
  kernels::fill(updater_state_, 0.0);
  kernels::fill(last_loss_, 0.0);
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const std::int64_t count = layers_[i]->parameter_count();
    layers_[i]->bind(parameters_.slice(0, offsets[i], offsets[i] + count),
                     gradients_.slice(0, offsets[i], offsets[i] + count));
    layers_[i]->bind_state(
        state_.slice(0, state_offsets[i], state_offsets[i] + layers_[i]->state_count()));
    layers_[i]->initialize(config.seed * 1000003ull + i);
  }
}

Network::~Network() = default;

void Network::set_iteration(std::int64_t iteration) {
  GYRE_CHECK(iteration >= 0, InvalidArgumentError, "set_iteration: ", iteration, " is negative");
  const DeviceGuard on_device(device_);
  iteration_ = iteration;
  kernels::fill(iteration_counter_, static_cast<double>(iteration));
}

void Network::set_workspace_modes(WorkspaceMode training, WorkspaceMode inference) {
  config_.training_mode = training;
  config_.inference_mode = inference;
}

std::vector<std::pair<std::string, Tensor>> Network::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> result;
  std::int64_t base = 0, state_base = 0;
  auto add = [&](std::size_t layer, const Tensor& flat, std::int64_t at,
                 const NamedParameter& named) {
    const std::int64_t start = at + named.offset;
    result.emplace_back(strcat(layer, ".", named.name),
                        flat.slice(0, start, start + named.shape.numel()).reshape(named.shape));
  };
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    for (const NamedParameter& parameter : layers_[i]->parameter_layout())
      add(i, parameters_, base, parameter);
    for (const NamedParameter& state : layers_[i]->state_layout())
      add(i, state_, state_base, state);
    base += layers_[i]->parameter_count();
    state_base += layers_[i]->state_count();
  }
  return result;
}

void Network::fit(DataSetIterator& data, int epochs) {
  GYRE_CHECK(epochs >= 0, InvalidArgumentError, "fit: epochs ", epochs, " must be >= 0");
  const DeviceGuard on_device(device_);
  const bool prefetch = config_.prefetch > 0 && data.async_supported();
  if (prefetch && prefetcher_ == nullptr) {
    // Idle until the first epoch's restart().
    prefetcher_ = std::make_unique<AsyncDataSetIterator>(data, config_.prefetch, device_, false);
  }
  // However fit() ends, the prefetcher stops reading `data`, which the caller owns.
  struct Pause {
    AsyncDataSetIterator* prefetcher;
    ~Pause() {
      if (prefetcher != nullptr) prefetcher->pause();
    }
  } pause{prefetch ? prefetcher_.get() : nullptr};
  DataSetIterator& source = prefetch ? *prefetcher_ : data;
  for (int e = 0; e < epochs; ++e) {
    if (prefetch)
      prefetcher_->restart(data);  // resets `data`, as the plain path does
    else
      data.reset();
    while (source.has_next()) train_iteration(DataSet{}, &source);
    ++epoch_;
    for (TrainingListener* listener : listeners_) listener->epoch_done(*this, epoch_);
  }
}

void Network::fit(const DataSet& batch) {
  const DeviceGuard on_device(device_);
  train_iteration(batch, nullptr);
}

double Network::compute_gradients(const DataSet& batch) {
  const DeviceGuard on_device(device_);
  train_iteration(batch, nullptr, false);
  return score();
}

void Network::train_iteration(const DataSet& given, DataSetIterator* source, bool update) {
  const std::int64_t examples = cuda_graphs_ && update ? train_with_graph(given, source)
                                                       : training_step(given, source, update);
  if (!update) return;
  ++iteration_;  // the kernels advanced iteration_counter_ in step
  for (TrainingListener* listener : listeners_)
    listener->iteration_done(*this, iteration_, epoch_, examples);
}

// One training iteration under the training workspace mode (see nn/workspace_mode.h). Its
// host scalars are the same every iteration (the iteration itself is read on the device),
// so that a CUDA graph of it can be replayed.
std::int64_t Network::training_step(const DataSet& given, DataSetIterator* source, bool update) {
  namespace ids = workspace_ids;
  WorkspaceManager& manager = WorkspaceManager::for_device(device_);
  const WorkspaceMode mode = config_.training_mode;
  LayerContext context;
  context.manager = &manager;
  context.training = true;
  context.seed = config_.seed;
  context.iteration = &iteration_counter_;
  const char* activations = mode == WorkspaceMode::SEPARATE ? ids::kActivations
                            : mode == WorkspaceMode::SINGLE ? ids::kAllLayers
                                                            : nullptr;
  const char* working = mode == WorkspaceMode::SEPARATE ? ids::kWorking : activations;
  auto open = [&](const char* id) { return open_network_scope(manager, id); };

  WorkspaceScope iteration_scope = open(activations);  // input and activations: the whole iteration
  const DataSet batch = source != nullptr ? source->next() : given;
  // With every core multiplying, the prefetcher prepares the next batch while this step
  // updates (one core's work) rather than during its products, which it would slow down.
  struct PacedProduction {
    AsyncDataSetIterator* prefetcher;
    void resume() {
      if (prefetcher != nullptr) prefetcher->allow_production(true);
      prefetcher = nullptr;
    }
    ~PacedProduction() { resume(); }
  } paced{source != nullptr && source == prefetcher_.get() && device_.is_cpu() &&
                  kernels::blas_uses_every_core()
              ? prefetcher_.get()
              : nullptr};
  if (paced.prefetcher != nullptr) paced.prefetcher->allow_production(false);
  GYRE_CHECK(batch.features.device() == device_ && batch.labels.device() == device_, DeviceError,
             "fit: the batch (", batch.features.description(), ", ", batch.labels.description(),
             ") is not on the network's device ", device_);
  context.output_id = activations;
  context.working_id = working;
  Tensor x = batch.features;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    WorkspaceScope layer_scope = open(working);  // SEPARATE: a new working cycle per layer
    context.layer_index = static_cast<int>(i);
    x = layers_[i]->forward(x, context);
  }
  {
    WorkspaceScope loss_scope = open(working);
    const Tensor loss = output_layer_->loss(batch.labels, context);
    copy_tensor(loss, last_loss_);
  }

  // Backward: activation gradients alternate between two workspaces (SEPARATE), so that
  // only the gradient flowing in and the one flowing out exist at once.
  const char* gradient_ids[2] = {mode == WorkspaceMode::SEPARATE ? ids::kGradientsA : activations,
                                 mode == WorkspaceMode::SEPARATE ? ids::kGradientsB : activations};
  WorkspaceScope previous;
  Tensor dy;
  int slot = 0;
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const std::size_t i = layers_.size() - 1 - k;
    WorkspaceScope gradient_scope = open(gradient_ids[slot]);
    context.output_id = gradient_ids[slot];
    context.layer_index = static_cast<int>(i);
    context.need_input_gradient = i > 0;
    {
      WorkspaceScope layer_scope = open(working);
      dy = layers_[i]->backward(dy, context);
    }
    if (produced_in(gradient_scope, dy)) {
      previous = std::move(gradient_scope);  // closes the workspace of the gradient just consumed
      slot ^= 1;
    }  // else a pass-through layer handed its input on: keep it where it is
  }
  dy = Tensor();
  previous.close();

  paced.resume();  // the rest of the step runs on one core
  if (update) {
    kernels::increment(iteration_counter_);  // Adam's step counts from 1
    WorkspaceScope updater_scope =
        open(mode == WorkspaceMode::SEPARATE ? ids::kUpdater : activations);
    apply_update(config_.updater, parameters_, gradients_, updater_state_, iteration_counter_);
  }
  return batch.examples();
}

double Network::score() const {
  float value = 0.0f;
  const DeviceGuard on_device(device_);
  copy_tensor(last_loss_, Tensor::wrap(&value, Shape{}, DType::f32, Device::cpu()));
  Stream::current(device_).synchronize();
  return value;
}

template <typename Use>
void Network::infer(const Tensor& features, Use use) {
  namespace ids = workspace_ids;
  const kernels::BatchInvariantScope invariant(batch_invariant_);
  WorkspaceManager& manager = WorkspaceManager::for_device(device_);
  const WorkspaceMode mode = config_.inference_mode;
  auto open = [&](const char* id) { return open_network_scope(manager, id); };
  LayerContext context;
  context.manager = &manager;
  context.training = false;
  context.seed = config_.seed;
  // SEPARATE: layer outputs alternate between two workspaces, so at most two layers'
  // activations exist at once; SINGLE: one workspace; NONE: detached.
  const char* alternate[2] = {mode == WorkspaceMode::SEPARATE ? ids::kInferenceA
                              : mode == WorkspaceMode::SINGLE ? ids::kInferenceSingle
                                                              : nullptr,
                              mode == WorkspaceMode::SEPARATE ? ids::kInferenceB
                              : mode == WorkspaceMode::SINGLE ? ids::kInferenceSingle
                                                              : nullptr};
  context.working_id = mode == WorkspaceMode::SEPARATE ? ids::kWorking : alternate[0];
  WorkspaceScope previous;
  Tensor x = features;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    WorkspaceScope output_scope = open(alternate[0]);
    context.output_id = alternate[0];
    context.layer_index = static_cast<int>(i);
    {
      WorkspaceScope layer_scope = open(context.working_id);
      x = layers_[i]->forward(x, context);
    }
    if (i + 1 == layers_.size()) {
      use(x);
    } else if (produced_in(output_scope, x)) {
      previous = std::move(output_scope);  // closes the input of this layer
      std::swap(alternate[0], alternate[1]);
    }  // else a pass-through layer (dropout in inference) handed its input on
  }
}

Tensor Network::output(const Tensor& features) {
  GYRE_CHECK(features.device() == device_, DeviceError, "output: features ", features.description(),
             " are not on the network's device ", device_);
  const DeviceGuard on_device(device_);
  if (cuda_graphs_) return output_with_graph(features);
  return output_eager(features);
}

Tensor Network::output_eager(const Tensor& features) {
  Tensor result;
  infer(features, [&](const Tensor& predictions) {
    WorkspaceScope out = WorkspaceManager::for_device(device_).scope_out();
    result = predictions.detach();
  });
  return result;
}

// Every allocation a step could make at an address that a replay would not see again:
// workspace spills and resizes, and detached allocations (cache hits included).
std::uint64_t Network::device_allocation_events() const {
  const CachingStatistics detached = detached_resource(device_).statistics();
  std::uint64_t events = detached.hits + detached.misses;
  for (const WorkspaceStatistics& workspace : WorkspaceManager::for_device(device_).statistics()) {
    for (const ArenaStatistics& arena : workspace.arenas)
      events += arena.spill_count + arena.resize_count;
  }
  return events;
}

void Network::make_graph_stream() {
  if (graph_stream_ != nullptr) return;
  graph_stream_ = std::make_unique<OwnedStream>(device_);
  graph_input_ready_ = std::make_unique<Event>(device_);
  graph_output_ready_ = std::make_unique<Event>(device_);
}

// The inference step as a CUDA graph: eager while the plan says so (learning, another
// shape, not CUDA), captured once on a stream of its own, replayed afterwards. The graph
// reads graph_input_ and writes graph_output_, fixed buffers; the caller's stream waits
// for the replay through events, and gets a detached copy of the output.
Tensor Network::output_with_graph(const Tensor& features) {
  StepSignature signature;
  signature.device = device_;
  signature.mode = config_.inference_mode;
  signature.input = features.shape();
  signature.allocations_last_step = allocations_last_output_;
  signature.arenas_moved = Workspace::arena_moves(device_) != arena_moves_at_inference_capture_;
  signature.workspaces = &WorkspaceManager::for_device(device_);
  const GraphAction action = inference_graph_plan_.next(signature);
  if (action == GraphAction::eager && !device_.is_accelerator()) return output_eager(features);
  auto eager = [&] {
    if (inference_graph_plan_.has_graph()) return output_eager(features);
    // Before a capture, the plan needs the allocations of the part a graph would hold.
    const std::uint64_t before = device_allocation_events();
    Tensor result;
    infer(features, [&](const Tensor& predictions) {
      allocations_last_output_ = device_allocation_events() - before;
      last_output_shape_ = predictions.shape();
      WorkspaceScope out = WorkspaceManager::for_device(device_).scope_out();
      result = predictions.detach();
    });
    return result;
  };
  make_graph_stream();
  const Stream caller = Stream::current(device_);
  graph_input_ready_->record(caller);  // the caller's kernels may still be writing features
  graph_input_ready_->wait(*graph_stream_);
  Tensor result;
  {
    const StreamGuard on_graph_stream(*graph_stream_);  // learning, capture and replays alike
    if (action == GraphAction::eager) {
      result = eager();
    } else {
      if (action == GraphAction::capture) {
        graph_input_ = Tensor::empty_detached(features.shape(), DType::f32, device_);
        graph_output_ = Tensor::empty_detached(last_output_shape_, DType::f32, device_);
        std::string failure;
        try {
          inference_graph_ = CudaGraph::capture(*graph_stream_, [&] {
            infer(graph_input_,
                  [&](const Tensor& predictions) { copy_tensor(predictions, graph_output_); });
          });
        } catch (const Error& error) {
          failure = error.what();
        }
        arena_moves_at_inference_capture_ = Workspace::arena_moves(device_);
        inference_graph_plan_.captured(!inference_graph_.empty(), failure);
      }
      if (inference_graph_.empty()) {
        result = eager();
      } else {
        copy_tensor(features, graph_input_);
        inference_graph_.replay(*graph_stream_);
        result = Tensor::empty_detached(graph_output_.shape(), DType::f32, device_);
        copy_tensor(graph_output_, result);
      }
    }
  }
  graph_output_ready_->record(*graph_stream_);
  graph_output_ready_->wait(caller);  // the caller's next work sees the result
  return result;
}

// The training step as a CUDA graph. Every step copies its batch into fixed buffers
// (graph_features_, graph_labels_) on the graph stream, so that learning, capture and
// replays see the same input addresses; the step reads its iteration from the device, so
// a replay is a whole new iteration: dropout masks, Adam's step and all.
std::int64_t Network::train_with_graph(const DataSet& given, DataSetIterator* source) {
  if (!device_.is_accelerator()) {
    StepSignature signature;
    signature.device = device_;
    training_graph_plan_.next(signature);  // logs why, once
    return training_step(given, source, true);
  }
  make_graph_stream();
  const Stream caller = Stream::current(device_);
  std::int64_t examples = 0;
  DataSet staged;
  {
    // The batch: from the source (its own ring when it prefetches), copied into the fixed
    // buffers, re-made when the shapes change.
    WorkspaceScope batch_scope = open_network_scope(
        WorkspaceManager::for_device(device_),
        config_.training_mode == WorkspaceMode::SEPARATE ? workspace_ids::kActivations
        : config_.training_mode == WorkspaceMode::SINGLE ? workspace_ids::kAllLayers
                                                         : nullptr);
    const DataSet batch = source != nullptr ? source->next() : given;
    GYRE_CHECK(batch.features.device() == device_ && batch.labels.device() == device_, DeviceError,
               "fit: the batch (", batch.features.description(), ", ", batch.labels.description(),
               ") is not on the network's device ", device_);
    auto same_layout = [](const Tensor& buffer, const Tensor& data) {
      return buffer.defined() && buffer.shape() == data.shape() && buffer.dtype() == data.dtype();
    };
    // While a graph exists its buffers keep their addresses: a batch of another shape (the
    // short last one) gets buffers of its own, kept for the next epoch's.
    const bool fits_graph_buffers =
        same_layout(graph_features_, batch.features) && same_layout(graph_labels_, batch.labels);
    const bool own_buffers = training_graph_plan_.has_graph() && !fits_graph_buffers;
    Tensor& features = own_buffers ? other_features_ : graph_features_;
    Tensor& labels = own_buffers ? other_labels_ : graph_labels_;
    if (!same_layout(features, batch.features) || !same_layout(labels, batch.labels)) {
      features = Tensor::empty_detached(batch.features.shape(), batch.features.dtype(), device_);
      labels = Tensor::empty_detached(batch.labels.shape(), batch.labels.dtype(), device_);
    }
    graph_input_ready_->record(caller);  // the caller's kernels may still be writing it
    graph_input_ready_->wait(*graph_stream_);
    const StreamGuard on_graph_stream(*graph_stream_);
    copy_tensor(batch.features, features);
    copy_tensor(batch.labels, labels);
    examples = batch.examples();
    staged = DataSet{features, labels};
  }
  StepSignature signature;
  signature.device = device_;
  signature.mode = config_.training_mode;
  signature.input = staged.features.shape();
  signature.target = staged.labels.shape();
  signature.allocations_last_step = allocations_last_training_;
  signature.arenas_moved = Workspace::arena_moves(device_) != arena_moves_at_training_capture_;
  signature.workspaces = &WorkspaceManager::for_device(device_);
  const GraphAction action = training_graph_plan_.next(signature);
  {
    const StreamGuard on_graph_stream(*graph_stream_);  // learning, capture and replays alike
    auto eager = [&] {
      if (training_graph_plan_.has_graph()) {  // another shape: no capture to prepare
        training_step(staged, nullptr, true);
        return;
      }
      const std::uint64_t before = device_allocation_events();
      training_step(staged, nullptr, true);
      allocations_last_training_ = device_allocation_events() - before;
    };
    if (action == GraphAction::eager) {
      eager();
    } else {
      if (action == GraphAction::capture) {
        std::string failure;
        try {
          training_graph_ =
              CudaGraph::capture(*graph_stream_, [&] { training_step(staged, nullptr, true); });
        } catch (const Error& error) {
          failure = error.what();
        }
        arena_moves_at_training_capture_ = Workspace::arena_moves(device_);
        training_graph_plan_.captured(!training_graph_.empty(), failure);
      }
      if (training_graph_.empty()) {
        eager();
      } else {
        training_graph_.replay(*graph_stream_);  // the capture ran nothing: replay it too
      }
    }
  }
  graph_output_ready_->record(*graph_stream_);
  graph_output_ready_->wait(caller);  // the caller's next work sees the new parameters
  return examples;
}

void Network::evaluate(DataSetIterator& data, const std::vector<Evaluator*>& evaluators) {
  const DeviceGuard on_device(device_);
  WorkspaceManager& manager = WorkspaceManager::for_device(device_);
  const bool detached = config_.inference_mode == WorkspaceMode::NONE;
  data.reset();
  while (data.has_next()) {
    // The batch lives in its own input workspace while the layers alternate.
    WorkspaceScope input =
        open_network_scope(manager, detached ? nullptr : workspace_ids::kInferenceInput);
    const DataSet batch = data.next();
    Tensor features = batch.features;
    if (features.device() != device_) {  // a host iterator feeding a device network
      features = detached ? Tensor::empty_detached(features.shape(), features.dtype(), device_)
                          : Tensor::empty(features.shape(), features.dtype(), device_);
      copy_tensor(batch.features, features);
    }
    infer(features, [&](const Tensor& predictions) {
      for (Evaluator* evaluator : evaluators) evaluator->eval(batch.labels, predictions);
    });
  }
}

}  // namespace gyre::nn
