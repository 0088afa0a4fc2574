#include "nn/network.h"

#include "kernels/ops.h"
#include "nn/async_iterator.h"
#include "nn/output_layer.h"
#include "runtime/error.h"
#include "runtime/tensor_copy.h"

namespace gyre::nn {

// Every public entry that touches the device makes it current first (DeviceGuard): the
// calling thread may have any device current, and a new thread has device 0.
Network::Network(const NetworkConfig& config, Device device)
    : config_(config),
      device_(device),
      workspaces_(config.training_mode, config.inference_mode),
      inference_graph_("inference", device),
      training_graph_("training", device),
      epochs_(config.prefetch, device, std::make_unique<BusyCoresPacing>()) {
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
  workspaces_ = WorkspacePlan(training, inference);
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
  epochs_.run(data, epochs, [this](DataSetIterator& source) {
    while (source.has_next()) train_iteration(DataSet{}, &source);
    ++epoch_;
    for (TrainingListener* listener : listeners_) listener->epoch_done(*this, epoch_);
  });
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
  const TrainingWorkspaces& ids = workspaces_.training;
  WorkspaceManager& manager = WorkspaceManager::for_device(device_);
  LayerContext context;
  context.manager = &manager;
  context.training = true;
  context.seed = config_.seed;
  context.iteration = &iteration_counter_;
  auto open = [&](const char* id) { return open_network_scope(manager, id); };

  // The input and the activations live for the whole iteration.
  WorkspaceScope iteration_scope = open(ids.activations);
  const DataSet batch = source != nullptr ? source->next() : given;
  // The pacing may have the prefetcher prepare the next batch while this step updates
  // rather than during its products, which it would slow down.
  HeldProduction paced = epochs_.hold_for_products(source, device_);
  check_on_device(batch);
  context.output_id = ids.activations;
  context.working_id = ids.working;
  Tensor x = batch.features;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    WorkspaceScope layer_scope = open(ids.working);  // SEPARATE: a new working cycle per layer
    context.layer_index = static_cast<int>(i);
    x = layers_[i]->forward(x, context);
  }
  {
    WorkspaceScope loss_scope = open(ids.working);
    const Tensor loss = output_layer_->loss(batch.labels, context);
    copy_tensor(loss, last_loss_);
  }

  // Backward: activation gradients alternate between two workspaces (SEPARATE), so that
  // only the gradient flowing in and the one flowing out exist at once.
  WorkspaceScope previous;
  Tensor dy;
  int slot = 0;
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const std::size_t i = layers_.size() - 1 - k;
    WorkspaceScope gradient_scope = open(ids.gradients[slot]);
    context.output_id = ids.gradients[slot];
    context.layer_index = static_cast<int>(i);
    context.need_input_gradient = i > 0;
    {
      WorkspaceScope layer_scope = open(ids.working);
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
    WorkspaceScope updater_scope = open(ids.updater);
    apply_update(config_.updater, parameters_, gradients_, updater_state_, iteration_counter_);
  }
  return batch.examples();
}

void Network::check_on_device(const DataSet& batch) const {
  GYRE_CHECK(batch.features.device() == device_ && batch.labels.device() == device_, DeviceError,
             "fit: the batch (", batch.features.description(), ", ", batch.labels.description(),
             ") is not on the network's device ", device_);
}

std::unique_ptr<Network> Network::clone_to(Device device) const {
  {
    const DeviceGuard on_this(device_);  // another device's stream does not wait for its work
    Stream::current(device_).synchronize();
  }
  auto clone = std::make_unique<Network>(config_, device);
  // The copies run on the stream of the accelerator involved, the clone's when both are.
  const Device copying = device.is_accelerator() ? device : device_;
  {
    const DeviceGuard on_copying(copying);
    copy_tensor(parameters_, clone->parameters_);
    if (state_.numel() > 0) copy_tensor(state_, clone->state_);
    if (updater_state_.numel() > 0) copy_tensor(updater_state_, clone->updater_state_);
    Stream::current(copying).synchronize();
  }
  clone->set_iteration(iteration_);
  return clone;
}

double Network::score() const {
  float value = 0.0f;
  const DeviceGuard on_device(device_);
  copy_tensor(last_loss_, Tensor::wrap(&value, Shape{}, DType::f32, Device::cpu()));
  Stream::current(device_).synchronize();
  return value;
}

// The training step as a graph. Every step stages its batch in the step's fixed buffers, so
// that learning, capture and replays see the same input addresses; the step reads its
// iteration from the device, so a replay is a whole new iteration: dropout masks, Adam's
// step and all.
std::int64_t Network::train_with_graph(const DataSet& given, DataSetIterator* source) {
  if (!device_.is_accelerator()) {
    training_graph_.next(StepSignature{});  // logs why, once
    return training_step(given, source, true);
  }
  DataSet staged;
  {
    // The batch: from the source (its own ring when it prefetches), staged on the step's stream.
    WorkspaceScope batch_scope =
        open_network_scope(WorkspaceManager::for_device(device_), workspaces_.training.activations);
    const DataSet batch = source != nullptr ? source->next() : given;
    check_on_device(batch);
    staged = training_graph_.stage(batch);
  }
  StepSignature signature;
  signature.mode = config_.training_mode;
  signature.input = staged.features.shape();
  signature.target = staged.labels.shape();
  const GraphAction action = training_graph_.next(signature);
  auto step = [&] { training_step(staged, nullptr, true); };
  auto eager = [&] {
    if (!training_graph_.learning()) return step();  // another shape: no capture to prepare
    training_graph_.count_allocations();
    step();
    training_graph_.counted();
  };
  auto replay = [&] { training_graph_.replay_graph(); };  // the capture ran nothing: replay it too
  training_graph_.run(action, eager, step, replay);
  return staged.examples();
}

}  // namespace gyre::nn
