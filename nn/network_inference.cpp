// Network's inference: the forward pass under the inference workspace mode, output() (eager
// or as a graphed step) and evaluate(). The training side is in network.cpp.
#include "kernels/batch_invariance.h"
#include "nn/network.h"
#include "runtime/error.h"
#include "runtime/tensor_copy.h"

namespace gyre::nn {

// Each vertex's outputs go to the lowest free workspace of the liveness pool and stay there
// until their last reader has run (the graph's outputs until `use`). On a chain under
// SEPARATE, layer outputs alternate between two workspaces, so at most two layers'
// activations exist at once; SINGLE: one workspace; NONE: detached.
template <typename Use>
void Network::infer(const Tensor* features, const Tensor* masks, Use use) {
  const kernels::BatchInvariantScope invariant(batch_invariant_);
  WorkspaceManager& manager = WorkspaceManager::for_device(device_);
  LayerContext context;
  context.manager = &manager;
  context.training = false;
  context.seed = config_.seed;
  context.working_id = workspaces_.inference.working;
  const LivenessPool::Pass pass = pool_.begin(manager, workspaces_.inference.activations,
                                              static_cast<int>(activations_.size()));
  const int inputs = topology_.input_count();
  for (int i = 0; i < inputs; ++i)
    pool_.place(i, features[i], -1, topology_.readers[i], nullptr, 0);
  set_input_masks(masks);
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const std::vector<int>& reads = topology_.vertex_inputs[k];
    gathered_.clear();
    for (int value : reads) gathered_.push_back(pool_.value(value));
    const int slot = pool_.open();
    context.output_id = pool_.id(slot);
    context.layer_index = static_cast<int>(k);
    context.mask = mask_for(k);
    Tensor y;
    {
      WorkspaceScope layer_scope = open_network_scope(manager, context.working_id);
      y = layers_[k]->forward_inputs(gathered_, context);
    }
    gathered_.clear();
    const int value = topology_.value_of(static_cast<int>(k));
    masks_[value] = layers_[k]->output_mask(context.mask != nullptr ? *context.mask : Tensor());
    pool_.place(value, y, slot, topology_.readers[value] + is_output_[k], reads.data(),
                static_cast<int>(reads.size()));
    for (int read : reads) pool_.release(read);
    pool_.settle(slot);
  }
  outputs_.clear();
  for (int k : topology_.outputs) outputs_.push_back(pool_.value(topology_.value_of(k)));
  use(outputs_);
  outputs_.clear();
  for (Tensor& mask : masks_) mask = Tensor();
}

Tensor Network::output(const Tensor& features) {
  GYRE_CHECK(config_.inputs.size() == 1 && config_.outputs.size() == 1, InvalidArgumentError,
             "output: this network has ", config_.inputs.size(), " inputs and ",
             config_.outputs.size(), " outputs; call output() with one tensor per input");
  GYRE_CHECK(features.device() == device_, DeviceError, "output: features ", features.description(),
             " are not on the network's device ", device_);
  check_example_shape(features, 0, "output");
  const DeviceGuard on_device(device_);
  if (cuda_graphs_) return output_with_graph(features);
  return output_eager(features);
}

// A graph of several inputs or outputs runs eagerly (docs/design/graphs.md).
std::vector<Tensor> Network::output(const std::vector<Tensor>& features) {
  GYRE_CHECK(features.size() == config_.inputs.size(), InvalidArgumentError, "output: given ",
             features.size(), " features tensors; this network has ", config_.inputs.size(),
             " inputs");
  for (std::size_t i = 0; i < features.size(); ++i) {
    GYRE_CHECK(features[i].defined() && features[i].device() == device_, DeviceError,
               "output: features of '", config_.inputs[i].name, "' ", features[i].description(),
               " are not on the network's device ", device_);
    check_example_shape(features[i], i, "output");
    GYRE_CHECK(features[i].shape().dim(0) == features[0].shape().dim(0), InvalidArgumentError,
               "output: features of '", config_.inputs[i].name, "' ", features[i].description(),
               " do not have the ", features[0].shape().dim(0), " examples of the first input's");
  }
  if (features.size() == 1 && config_.outputs.size() == 1) return {output(features[0])};
  return infer_detached(features.data(), nullptr);
}

std::vector<Tensor> Network::infer_detached(const Tensor* features, const Tensor* masks) {
  const DeviceGuard on_device(device_);
  std::vector<Tensor> results;
  infer(features, masks, [&](const std::vector<Tensor>& predictions) {
    WorkspaceScope out = WorkspaceManager::for_device(device_).scope_out();
    for (const Tensor& prediction : predictions) results.push_back(prediction.detach());
  });
  return results;
}

Tensor Network::output(const Tensor& features, const Tensor& features_mask) {
  if (!features_mask.defined()) return output(features);
  GYRE_CHECK(config_.outputs.size() == 1, InvalidArgumentError, "output: this network has ",
             config_.outputs.size(), " outputs; call output() with vectors");
  return output(std::vector<Tensor>{features}, std::vector<Tensor>{features_mask})[0];
}

std::vector<Tensor> Network::output(const std::vector<Tensor>& features,
                                    const std::vector<Tensor>& features_masks) {
  if (features_masks.empty()) return output(features);
  check_batch(
      {features.data(), features.size(), nullptr, 0, features_masks.data(), features_masks.size()},
      "output");
  return infer_detached(features.data(), features_masks.data());
}

Tensor Network::output_eager(const Tensor& features) {
  Tensor result;
  infer(&features, nullptr, [&](const std::vector<Tensor>& predictions) {
    WorkspaceScope out = WorkspaceManager::for_device(device_).scope_out();
    result = predictions[0].detach();
  });
  return result;
}

// The inference step as a graph: it reads graph_input_ and writes graph_output_, fixed
// buffers; the caller gets a detached copy of the output.
Tensor Network::output_with_graph(const Tensor& features) {
  StepSignature signature;
  signature.mode = config_.inference_mode;
  signature.input = features.shape();
  const GraphAction action = inference_graph_.next(signature);
  if (action == GraphAction::eager && !device_.is_accelerator()) return output_eager(features);
  inference_graph_.follow_caller();
  if (action == GraphAction::capture) {
    const StreamGuard on_step_stream(inference_graph_.stream());  // memory of the step's stream
    graph_input_ = Tensor::empty_detached(features.shape(), DType::f32, device_);
    graph_output_ = Tensor::empty_detached(last_output_shape_, DType::f32, device_);
  }
  Tensor result;
  auto eager = [&] {
    if (!inference_graph_.learning()) {
      result = output_eager(features);
      return;
    }
    inference_graph_.count_allocations();
    infer(&features, nullptr, [&](const std::vector<Tensor>& predictions) {
      inference_graph_.counted();  // the detached copy is not part of the graph
      last_output_shape_ = predictions[0].shape();
      WorkspaceScope out = WorkspaceManager::for_device(device_).scope_out();
      result = predictions[0].detach();
    });
  };
  auto work = [&] {
    infer(&graph_input_, nullptr, [&](const std::vector<Tensor>& predictions) {
      copy_tensor(predictions[0], graph_output_);
    });
  };
  auto replay = [&] {
    copy_tensor(features, graph_input_);
    inference_graph_.replay_graph();
    result = Tensor::empty_detached(graph_output_.shape(), DType::f32, device_);
    copy_tensor(graph_output_, result);
  };
  inference_graph_.run(action, eager, work, replay);
  return result;
}

void Network::evaluate(DataSetIterator& data, const std::vector<Evaluator*>& evaluators) {
  GYRE_CHECK(config_.inputs.size() == 1 && config_.outputs.size() == 1, InvalidArgumentError,
             "evaluate: this network has ", config_.inputs.size(), " inputs and ",
             config_.outputs.size(),
             " outputs; a DataSetIterator feeds one of each (give a "
             "MultiDataSetIterator and evaluators per output)");
  evaluate_over(data, &evaluators);
}

void Network::evaluate(MultiDataSetIterator& data,
                       const std::vector<std::vector<Evaluator*>>& evaluators) {
  GYRE_CHECK(evaluators.size() == config_.outputs.size(), InvalidArgumentError, "evaluate: given ",
             evaluators.size(), " lists of evaluators; this network has ", config_.outputs.size(),
             " outputs: give one list per output, in the config's order (empty to skip one)");
  evaluate_over(data, evaluators.data());
}

template <typename Source>
void Network::evaluate_over(Source& data, const std::vector<Evaluator*>* evaluators) {
  const DeviceGuard on_device(device_);
  WorkspaceManager& manager = WorkspaceManager::for_device(device_);
  const char* input_id = workspaces_.inference.input;
  data.reset();
  while (data.has_next()) {
    // The batch lives in its own input workspace while the layers alternate.
    WorkspaceScope input = open_network_scope(manager, input_id);
    const auto& batch = data.next();  // a DataSet, or a MultiDataSet the source keeps
    evaluate_batch(view_of(batch), evaluators, input_id == nullptr);
  }
}

void Network::evaluate_batch(const BatchView& batch, const std::vector<Evaluator*>* evaluators,
                             bool detached) {
  GYRE_CHECK(
      batch.feature_count == config_.inputs.size() && batch.label_count == config_.outputs.size(),
      InvalidArgumentError, "evaluate: the batch has ", batch.feature_count, " features and ",
      batch.label_count, " labels tensors; this network has ", config_.inputs.size(),
      " inputs and ", config_.outputs.size(), " outputs");
  GYRE_CHECK(batch.masks == nullptr || batch.mask_count == batch.feature_count,
             InvalidArgumentError, "evaluate: the batch has ", batch.mask_count,
             " features masks for ", batch.feature_count, " inputs; give none or one per input");
  GYRE_CHECK(batch.label_masks == nullptr || batch.label_mask_count == batch.label_count,
             InvalidArgumentError, "evaluate: the batch has ", batch.label_mask_count,
             " labels masks for ", batch.label_count, " outputs; give none or one per output");
  // A host iterator may feed a device network: its features and masks are copied over.
  auto on_device = [&](const Tensor& tensor) {
    if (!tensor.defined() || tensor.device() == device_) return tensor;
    Tensor copy = detached ? Tensor::empty_detached(tensor.shape(), tensor.dtype(), device_)
                           : Tensor::empty(tensor.shape(), tensor.dtype(), device_);
    copy_tensor(tensor, copy);
    return copy;
  };
  evaluated_.clear();
  evaluated_masks_.clear();
  for (std::size_t i = 0; i < batch.feature_count; ++i) {
    evaluated_.push_back(on_device(batch.features[i]));
    evaluated_masks_.push_back(batch.masks != nullptr ? on_device(batch.masks[i]) : Tensor());
  }
  const BatchView moved{evaluated_.data(),       evaluated_.size(),      nullptr, 0,
                        evaluated_masks_.data(), evaluated_masks_.size()};
  check_batch(moved, "evaluate");
  infer(evaluated_.data(), evaluated_masks_.data(), [&](const std::vector<Tensor>& predictions) {
    for (std::size_t o = 0; o < predictions.size(); ++o) {
      // Per time step (rnn_output): the steps of the labels mask, else those of the features
      // mask that reached the output, as in training.
      const bool per_step = predictions[o].shape().rank() == 3;
      const Tensor* label_mask = batch.label_masks != nullptr ? &batch.label_masks[o] : nullptr;
      const Tensor* steps = label_mask != nullptr && label_mask->defined()
                                ? label_mask
                                : mask_for(static_cast<std::size_t>(topology_.outputs[o]));
      for (Evaluator* evaluator : evaluators[o]) {
        if (per_step)
          evaluator->eval_time_steps(batch.labels[o], predictions[o],
                                     steps != nullptr ? *steps : Tensor());
        else
          evaluator->eval(batch.labels[o], predictions[o]);
      }
    }
  });
  evaluated_.clear();
  evaluated_masks_.clear();
}

}  // namespace gyre::nn
