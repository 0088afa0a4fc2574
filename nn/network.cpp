#include "nn/network.h"

#include <algorithm>
#include <type_traits>

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
      topology_(GraphTopology::of(config)),
      inference_graph_("inference", device),
      training_graph_("training", device),
      epochs_(config.prefetch, device, std::make_unique<BusyCoresPacing>()) {
  const DeviceGuard on_device(device);
  const bool sequential = config.sequential();  // errors name layers by index, vertices by name
  std::vector<Shape> shapes;                    // per value: its example shape
  for (const GraphInput& input : config.inputs) shapes.push_back(input.shape);
  std::vector<std::int64_t> offsets, state_offsets;
  std::int64_t total = 0, state_total = 0;
  std::size_t widest = 1;
  for (std::size_t k = 0; k < topology_.order.size(); ++k) {
    const VertexConfig& vertex = config.vertices[topology_.order[k]];
    const std::string where = sequential ? strcat("layer ", k, " (", vertex.layer.dump(), ")")
                                         : strcat("vertex '", vertex.name, "'");
    layers_.push_back(make_layer(vertex.layer, static_cast<int>(k)));
    names_.push_back(vertex.name);
    std::vector<Shape> in;
    for (int value : topology_.vertex_inputs[k]) in.push_back(shapes[value]);
    const int arity = layers_.back()->arity();
    GYRE_CHECK(arity == 0 || static_cast<int>(in.size()) == arity, InvalidArgumentError, where,
               ": a '", vertex.layer.value("type", ""), "' takes ", arity, " input(s), given ",
               in.size());
    try {
      shapes.push_back(layers_.back()->configure_inputs(in));
    } catch (const InvalidArgumentError& error) {
      throw InvalidArgumentError(strcat(where, ": ", error.what()));
    }
    widest = std::max(widest, in.size());
    offsets.push_back(total);
    total += layers_.back()->parameter_count();
    state_offsets.push_back(state_total);
    state_total += layers_.back()->state_count();
  }
  for (const bool backward : {false, true}) {
    const int peak = topology_.peak_slots(backward);
    GYRE_CHECK(peak <= kMaxLiveValues, InvalidArgumentError, "this graph keeps up to ", peak,
               " values alive at once in ", backward ? "backward" : "inference",
               "; Gyre's networks hold at most ", kMaxLiveValues,
               " (nn/workspace_plan.h): read fewer branches at once");
  }
  is_output_.assign(layers_.size(), 0);
  for (std::size_t o = 0; o < topology_.outputs.size(); ++o) {
    const int k = topology_.outputs[o];
    output_layers_.push_back(dynamic_cast<OutputLayer*>(layers_[k].get()));
    GYRE_CHECK(output_layers_.back() != nullptr, InvalidArgumentError, "output '", names_[k],
               "' must be an 'output' layer (with its loss)");
    output_layers_.back()->set_loss_weight(config.outputs[o].weight, device);
    is_output_[k] = 1;
  }
  activations_.resize(shapes.size());
  masks_.resize(shapes.size());
  gathered_.reserve(widest);
  input_gradients_.reserve(widest);
  outputs_.reserve(output_layers_.size());
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
  auto add = [&](const std::string& layer, const Tensor& flat, std::int64_t at,
                 const NamedParameter& named) {
    const std::int64_t start = at + named.offset;
    result.emplace_back(strcat(layer, ".", named.name),
                        flat.slice(0, start, start + named.shape.numel()).reshape(named.shape));
  };
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    for (const NamedParameter& parameter : layers_[i]->parameter_layout())
      add(names_[i], parameters_, base, parameter);
    for (const NamedParameter& state : layers_[i]->state_layout())
      add(names_[i], state_, state_base, state);
    base += layers_[i]->parameter_count();
    state_base += layers_[i]->state_count();
  }
  return result;
}

template <typename Source>
void Network::fit_over(Source& data, int epochs) {
  GYRE_CHECK(epochs >= 0, InvalidArgumentError, "fit: epochs ", epochs, " must be >= 0");
  const DeviceGuard on_device(device_);
  epochs_.run(data, epochs, [this](Source& source) {
    StepInput input;
    if constexpr (std::is_same_v<Source, DataSetIterator>)
      input.source = &source;
    else
      input.multi_source = &source;
    while (source.has_next()) train_iteration(input);
    ++epoch_;
    for (TrainingListener* listener : listeners_) listener->epoch_done(*this, epoch_);
  });
}

void Network::fit(DataSetIterator& data, int epochs) {
  fit_over(data, epochs);
}

void Network::fit(MultiDataSetIterator& data, int epochs) {
  fit_over(data, epochs);
}

void Network::fit(const DataSet& batch) {
  const DeviceGuard on_device(device_);
  StepInput input;
  input.batch = &batch;
  train_iteration(input);
}

void Network::fit(const MultiDataSet& batch) {
  const DeviceGuard on_device(device_);
  StepInput input;
  input.multi = &batch;
  train_iteration(input);
}

double Network::compute_gradients(const DataSet& batch) {
  const DeviceGuard on_device(device_);
  StepInput input;
  input.batch = &batch;
  train_iteration(input, false);
  return score();
}

double Network::compute_gradients(const MultiDataSet& batch) {
  const DeviceGuard on_device(device_);
  StepInput input;
  input.multi = &batch;
  train_iteration(input, false);
  return score();
}

// A graph of several inputs or outputs trains eagerly: its batch is not staged for a CUDA
// graph (docs/design/graphs.md).
void Network::train_iteration(const StepInput& input, bool update) {
  const bool single = input.multi == nullptr && input.multi_source == nullptr;
  const std::int64_t examples =
      cuda_graphs_ && update && single ? train_with_graph(input) : training_step(input, update);
  if (!update) return;
  ++iteration_;  // the kernels advanced iteration_counter_ in step
  for (TrainingListener* listener : listeners_)
    listener->iteration_done(*this, iteration_, epoch_, examples);
}

// One training iteration under the training workspace mode (see nn/workspace_mode.h). Its
// host scalars are the same every iteration (the iteration itself is read on the device),
// so that a CUDA graph of it can be replayed.
std::int64_t Network::training_step(const StepInput& input, bool update) {
  const TrainingWorkspaces& ids = workspaces_.training;
  WorkspaceManager& manager = WorkspaceManager::for_device(device_);
  LayerContext context;
  context.manager = &manager;
  context.training = true;
  context.seed = config_.seed;
  context.iteration = &iteration_counter_;

  // The input and the activations live for the whole iteration.
  WorkspaceScope iteration_scope = open_network_scope(manager, ids.activations);
  DataSet batch;
  const MultiDataSet* multi = input.multi;
  if (input.source != nullptr)
    batch = input.source->next();
  else if (input.batch != nullptr)
    batch = *input.batch;
  if (input.multi_source != nullptr) multi = &input.multi_source->next();
  const BatchView view = multi != nullptr ? view_of(*multi) : view_of(batch);
  // The pacing may have the prefetcher prepare the next batch while this step updates
  // rather than during its products, which it would slow down.
  const void* reader = input.source != nullptr ? static_cast<const void*>(input.source)
                                               : static_cast<const void*>(input.multi_source);
  HeldProduction paced = epochs_.hold_for_products(reader, device_);
  check_batch(view, "fit");
  forward_for_training(view, context, ids);
  backward(context, ids);

  paced.resume();  // the rest of the step runs on one core
  if (update) {
    kernels::increment(iteration_counter_);  // Adam's step counts from 1
    WorkspaceScope updater_scope = open_network_scope(manager, ids.updater);
    apply_update(config_.updater, parameters_, gradients_, updater_state_, iteration_counter_);
  }
  return view.features[0].shape().dim(0);
}

void Network::forward_for_training(const BatchView& batch, LayerContext& context,
                                   const TrainingWorkspaces& ids) {
  WorkspaceManager& manager = *context.manager;
  context.output_id = ids.activations;
  context.working_id = ids.working;
  for (std::size_t i = 0; i < batch.feature_count; ++i) activations_[i] = batch.features[i];
  set_input_masks(batch.masks);
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    gathered_.clear();
    for (int value : topology_.vertex_inputs[k]) gathered_.push_back(activations_[value]);
    WorkspaceScope layer_scope = open_network_scope(manager, ids.working);  // SEPARATE: a cycle
    context.layer_index = static_cast<int>(k);
    context.mask = mask_for(k);
    const int value = topology_.value_of(static_cast<int>(k));
    activations_[value] = layers_[k]->forward_inputs(gathered_, context);
    masks_[value] = layers_[k]->output_mask(context.mask != nullptr ? *context.mask : Tensor());
  }
  context.mask = nullptr;
  gathered_.clear();
  WorkspaceScope loss_scope = open_network_scope(manager, ids.working);
  for (std::size_t o = 0; o < output_layers_.size(); ++o) {
    context.layer_index = topology_.outputs[o];
    // Which steps of a per-step output count: its labels mask, or the features mask that
    // reached it (docs/design/recurrent.md).
    const Tensor* label_mask = batch.label_masks != nullptr ? &batch.label_masks[o] : nullptr;
    context.mask = label_mask != nullptr && label_mask->defined()
                       ? label_mask
                       : mask_for(static_cast<std::size_t>(topology_.outputs[o]));
    const Tensor loss = output_layers_[o]->loss(batch.labels[o], context);
    if (o == 0)
      copy_tensor(loss, last_loss_);
    else
      kernels::add(last_loss_, loss, last_loss_);
  }
  context.mask = nullptr;
}

// Backward in reverse execution order. Each vertex's activation gradients go to the lowest
// free workspace of the liveness pool; a value read by several vertices sums the gradients
// they give it (into the workspace of the last), and each gradient's workspace closes once
// its vertex has consumed it. On a chain this is DL4J's pair of alternating workspaces.
void Network::backward(LayerContext& context, const TrainingWorkspaces& ids) {
  WorkspaceManager& manager = *context.manager;
  for (Tensor& activation : activations_) activation = Tensor();  // the layers keep their own
  for (Tensor& mask : masks_) mask = Tensor();
  const LivenessPool::Pass pass =
      pool_.begin(manager, ids.gradients, static_cast<int>(activations_.size()));
  for (std::size_t step = 0; step < layers_.size(); ++step) {
    const int k = static_cast<int>(layers_.size() - 1 - step);
    const int value = topology_.value_of(k);
    const std::vector<int>& inputs = topology_.vertex_inputs[k];
    const Tensor& dy = is_output_[k] ? Tensor() : pool_.value(value);
    bool need_input_gradient = false;
    for (int input : inputs) need_input_gradient |= !topology_.is_input(input);
    const int slot = pool_.open();
    context.output_id = pool_.id(slot);
    context.layer_index = k;
    context.need_input_gradient = need_input_gradient;
    {
      WorkspaceScope layer_scope = open_network_scope(manager, ids.working);
      layers_[k]->backward_inputs(dy, context, input_gradients_);
    }
    for (std::size_t j = 0; j < inputs.size(); ++j) {
      const int input = inputs[j];
      if (topology_.is_input(input)) continue;
      if (!pool_.value(input).defined()) {
        pool_.place(input, input_gradients_[j], slot, 1, &value, 1);
        continue;
      }
      Tensor sum;
      {
        WorkspaceScope sum_scope = open_network_scope(manager, pool_.id(slot));
        sum = kernels::add(pool_.value(input), input_gradients_[j]);
      }
      pool_.accumulate(input, sum, slot);
    }
    input_gradients_.clear();
    if (!is_output_[k]) pool_.release(value);
    pool_.settle(slot);
  }
}

// Features must be [N, example...] as the config says; a time series ([T, C] examples) may
// have any number of steps. (add and multiply would otherwise broadcast a wrong shape.)
void Network::check_example_shape(const Tensor& features, std::size_t input,
                                  const char* what) const {
  const Shape& example = config_.inputs[input].shape;
  bool matches = features.shape().rank() == example.rank() + 1;
  for (int d = 0; matches && d < example.rank(); ++d)
    matches = features.shape().dim(d + 1) == example.dim(d) || (example.rank() == 2 && d == 0);
  GYRE_CHECK(matches, InvalidArgumentError, what, ": features of '", config_.inputs[input].name,
             "' ", features.description(), " do not hold examples of ", example,
             (example.rank() == 2 ? " (any number of steps)" : ""),
             "; reshape them so that each example is ", example);
}

void Network::set_input_masks(const Tensor* masks) {
  for (int i = 0; i < topology_.input_count(); ++i)
    masks_[i] = masks != nullptr ? masks[i] : Tensor();
}

const Tensor* Network::mask_for(std::size_t k) const {
  const std::vector<int>& inputs = topology_.vertex_inputs[k];
  const int chosen = layers_[k]->mask_input();
  if (chosen >= 0) {
    const Tensor& mask = masks_[inputs[static_cast<std::size_t>(chosen)]];
    return mask.defined() ? &mask : nullptr;
  }
  for (int value : inputs)
    if (masks_[value].defined()) return &masks_[value];
  return nullptr;
}

void Network::check_batch(const BatchView& batch, const char* what) const {
  GYRE_CHECK(batch.feature_count == config_.inputs.size() &&
                 (batch.labels == nullptr || batch.label_count == config_.outputs.size()),
             InvalidArgumentError, what, ": the batch has ", batch.feature_count, " features and ",
             batch.label_count, " labels tensors; this network has ", config_.inputs.size(),
             " inputs and ", config_.outputs.size(), " outputs");
  const std::int64_t examples = batch.features[0].defined() ? batch.features[0].shape().dim(0) : -1;
  auto check = [&](const Tensor& tensor, const char* kind, const std::string& name) {
    GYRE_CHECK(tensor.defined() && tensor.shape().rank() >= 1 &&
                   tensor.shape().dim(0) == examples && examples > 0,
               InvalidArgumentError, what, ": ", kind, " of '", name, "' ", tensor.description(),
               " do not have the batch's ", examples, " examples");
    GYRE_CHECK(tensor.device() == device_, DeviceError, what, ": the batch's ", kind, " of '", name,
               "' (", tensor.description(), ") are not on the network's device ", device_);
  };
  for (std::size_t i = 0; i < batch.feature_count; ++i) {
    check(batch.features[i], "features", config_.inputs[i].name);
    check_example_shape(batch.features[i], i, what);
  }
  for (std::size_t o = 0; batch.labels != nullptr && o < batch.label_count; ++o)
    check(batch.labels[o], "labels", config_.outputs[o].vertex);
  GYRE_CHECK(batch.masks == nullptr || batch.mask_count == batch.feature_count,
             InvalidArgumentError, what, ": the batch has ", batch.mask_count,
             " features masks for ", batch.feature_count, " inputs; give none or one per input");
  for (std::size_t i = 0; batch.masks != nullptr && i < batch.feature_count; ++i) {
    const Tensor& mask = batch.masks[i];
    if (!mask.defined()) continue;
    GYRE_CHECK(mask.shape().rank() == 2 && mask.shape().dim(0) == examples &&
                   batch.features[i].shape().rank() >= 2 &&
                   mask.shape().dim(1) == batch.features[i].shape().dim(1),
               InvalidArgumentError, what, ": the features mask of '", config_.inputs[i].name, "' ",
               mask.description(), " must be [N, T] for features ",
               batch.features[i].description());
    check(mask, "features mask", config_.inputs[i].name);
  }
  GYRE_CHECK(batch.label_masks == nullptr || batch.labels == nullptr ||
                 batch.label_mask_count == batch.label_count,
             InvalidArgumentError, what, ": the batch has ", batch.label_mask_count,
             " labels masks for ", batch.label_count, " outputs; give none or one per output");
  for (std::size_t o = 0; batch.label_masks != nullptr && o < batch.label_mask_count; ++o) {
    const Tensor& mask = batch.label_masks[o];
    if (!mask.defined()) continue;
    GYRE_CHECK(mask.shape().rank() == 2 && batch.labels[o].shape().rank() == 3 &&
                   mask.shape().dim(0) == examples &&
                   mask.shape().dim(1) == batch.labels[o].shape().dim(1),
               InvalidArgumentError, what, ": the labels mask of '", config_.outputs[o].vertex,
               "' ", mask.description(), " must be [N, T] for labels per time step [N, T, K], got ",
               batch.labels[o].description());
    check(mask, "labels mask", config_.outputs[o].vertex);
  }
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
std::int64_t Network::train_with_graph(const StepInput& input) {
  if (!device_.is_accelerator()) {
    training_graph_.next(StepSignature{});  // logs why, once
    return training_step(input, true);
  }
  DataSet staged;
  {
    // The batch: from the source (its own ring when it prefetches), staged on the step's stream.
    WorkspaceScope batch_scope =
        open_network_scope(WorkspaceManager::for_device(device_), workspaces_.training.activations);
    const DataSet batch = input.source != nullptr ? input.source->next() : *input.batch;
    check_batch(view_of(batch), "fit");
    // A masked time series is not staged: its step runs eagerly (docs/design/recurrent.md).
    if (batch.features_mask.defined() || batch.labels_mask.defined()) {
      StepInput given;
      given.batch = &batch;
      return training_step(given, true);
    }
    staged = training_graph_.stage(batch);
  }
  StepSignature signature;
  signature.mode = config_.training_mode;
  signature.input = staged.features.shape();
  signature.target = staged.labels.shape();
  const GraphAction action = training_graph_.next(signature);
  StepInput staged_input;
  staged_input.batch = &staged;
  auto step = [&] { training_step(staged_input, true); };
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
