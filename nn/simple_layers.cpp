#include "nn/simple_layers.h"

#include "kernels/ops.h"
#include "nn/activations.h"
#include "nn/layer_registry.h"
#include "runtime/error.h"

namespace gyre::nn {

Tensor ActivationLayer::forward(const Tensor& input, const LayerContext& context) {
  WorkspaceScope outputs = context.outputs();
  x_ = input;
  y_ = kernels::activation_forward(activation_, input);
  return y_;
}

Tensor ActivationLayer::backward(const Tensor& output_gradient, const LayerContext& context) {
  WorkspaceScope outputs = context.outputs();
  return kernels::activation_backward(activation_, x_, y_, output_gradient);
}

nlohmann::json ActivationLayer::config() const {
  return {{"type", type()}, {"activation", activation_name(activation_)}};
}

DropoutLayer::DropoutLayer(float probability) : probability_(probability) {
  GYRE_CHECK(probability >= 0.0f && probability < 1.0f, InvalidArgumentError,
             "dropout layer: probability ", probability, " must be in [0, 1)");
}

// The mask of (seed, layer, iteration): a Philox key per layer, mixed with the iteration by
// the kernel (philox::iteration_key), which reads it from the network's counter.
Tensor DropoutLayer::apply(const Tensor& x, const LayerContext& context) const {
  GYRE_CHECK(context.iteration != nullptr, InvalidArgumentError, "dropout layer ",
             context.layer_index, ": training needs the iteration counter");
  const std::uint64_t layer_key =
      context.seed ^
      (0x9E3779B97F4A7C15ull * (static_cast<std::uint64_t>(context.layer_index) + 1));
  WorkspaceScope outputs = context.outputs();
  return kernels::dropout(x, probability_, layer_key, *context.iteration);
}

Tensor DropoutLayer::forward(const Tensor& input, const LayerContext& context) {
  if (!context.training || probability_ == 0.0f) return input;
  return apply(input, context);
}

Tensor DropoutLayer::backward(const Tensor& output_gradient, const LayerContext& context) {
  if (probability_ == 0.0f) return output_gradient;
  return apply(output_gradient, context);
}

nlohmann::json DropoutLayer::config() const {
  return {{"type", type()}, {"probability", probability_}};
}

void register_simple_layers(LayerRegistry& registry) {
  registry.add("activation", {"activation"}, [](const LayerSettings& settings) {
    return std::make_unique<ActivationLayer>(parse_activation(settings.text("activation", "relu")));
  });
  registry.add("dropout", {"probability"}, [](const LayerSettings& settings) {
    return std::make_unique<DropoutLayer>(settings.real("probability", 0.5f));
  });
}

}  // namespace gyre::nn
