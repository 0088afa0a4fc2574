#include "nn/simple_layers.h"

#include "kernels/ops.h"
#include "nn/activations.h"
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

std::uint64_t DropoutLayer::mask_seed(const LayerContext& context) const {
  // A distinct Philox key per (seed, layer, iteration): splitmix-style mixing.
  std::uint64_t key = context.seed ^ (0x9E3779B97F4A7C15ull *
                                      (static_cast<std::uint64_t>(context.layer_index) + 1));
  key ^= 0xBF58476D1CE4E5B9ull * (context.iteration + 1);
  return key ^ (key >> 31);
}

Tensor DropoutLayer::forward(const Tensor& input, const LayerContext& context) {
  if (!context.training || probability_ == 0.0f) return input;
  WorkspaceScope outputs = context.outputs();
  return kernels::dropout(input, probability_, mask_seed(context));
}

Tensor DropoutLayer::backward(const Tensor& output_gradient, const LayerContext& context) {
  if (probability_ == 0.0f) return output_gradient;
  WorkspaceScope outputs = context.outputs();
  return kernels::dropout(output_gradient, probability_, mask_seed(context));
}

nlohmann::json DropoutLayer::config() const {
  return {{"type", type()}, {"probability", probability_}};
}

}  // namespace gyre::nn
