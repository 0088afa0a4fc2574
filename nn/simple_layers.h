#pragma once
// Layers without parameters: Activation and Dropout.
#include "kernels/kernel_types.h"
#include "nn/layer.h"

namespace gyre::nn {

/// y = f(x), elementwise (softmax over the last axis).
class ActivationLayer final : public Layer {
 public:
  explicit ActivationLayer(kernels::Activation activation) : activation_(activation) {}
  std::string type() const override { return "activation"; }
  Shape configure(const Shape& input_example) override { return input_example; }
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  nlohmann::json config() const override;

 private:
  kernels::Activation activation_;
  Tensor x_, y_;
};

/// Inverted dropout in training (drop probability p), the identity in inference. The mask
/// is drawn from (network seed, layer, iteration) by Philox: reproducible on every device;
/// the iteration is read on the device (graph-capturable).
class DropoutLayer final : public Layer {
 public:
  explicit DropoutLayer(float probability);
  std::string type() const override { return "dropout"; }
  Shape configure(const Shape& input_example) override { return input_example; }
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  nlohmann::json config() const override;

 private:
  Tensor apply(const Tensor& x, const LayerContext& context) const;
  float probability_;
};

}  // namespace gyre::nn
