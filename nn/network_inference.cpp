// Network's inference: the forward pass under the inference workspace mode, output() (eager
// or as a graphed step) and evaluate(). The training side is in network.cpp.
#include "kernels/batch_invariance.h"
#include "nn/network.h"
#include "runtime/error.h"
#include "runtime/tensor_copy.h"

namespace gyre::nn {

template <typename Use>
void Network::infer(const Tensor& features, Use use) {
  const kernels::BatchInvariantScope invariant(batch_invariant_);
  WorkspaceManager& manager = WorkspaceManager::for_device(device_);
  auto open = [&](const char* id) { return open_network_scope(manager, id); };
  LayerContext context;
  context.manager = &manager;
  context.training = false;
  context.seed = config_.seed;
  // SEPARATE: layer outputs alternate between two workspaces, so at most two layers'
  // activations exist at once; SINGLE: one workspace; NONE: detached.
  const char* alternate[2] = {workspaces_.inference.activations[0],
                              workspaces_.inference.activations[1]};
  context.working_id = workspaces_.inference.working;
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
    infer(features, [&](const Tensor& predictions) {
      inference_graph_.counted();  // the detached copy is not part of the graph
      last_output_shape_ = predictions.shape();
      WorkspaceScope out = WorkspaceManager::for_device(device_).scope_out();
      result = predictions.detach();
    });
  };
  auto work = [&] {
    infer(graph_input_,
          [&](const Tensor& predictions) { copy_tensor(predictions, graph_output_); });
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
  const DeviceGuard on_device(device_);
  WorkspaceManager& manager = WorkspaceManager::for_device(device_);
  const char* input_id = workspaces_.inference.input;
  const bool detached = input_id == nullptr;
  data.reset();
  while (data.has_next()) {
    // The batch lives in its own input workspace while the layers alternate.
    WorkspaceScope input = open_network_scope(manager, input_id);
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
