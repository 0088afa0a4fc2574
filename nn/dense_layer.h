#pragma once
// Dense (fully connected) layer: y = f(x W + b), x flattened to [N, in].
#include "kernels/kernel_types.h"
#include "nn/layer.h"

namespace gyre::nn {

class DenseLayer : public Layer {
 public:
  DenseLayer(std::int64_t units, kernels::Activation activation);
  std::string type() const override { return "dense"; }
  Shape configure(const Shape& input_example) override;
  std::int64_t parameter_count() const override { return inputs_ * units_ + units_; }
  std::vector<NamedParameter> parameter_layout() const override;
  void initialize(std::uint64_t seed) override;
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  nlohmann::json config() const override;

 protected:
  /// x W + b for the flattened input (kept for backward).
  Tensor affine(const Tensor& input, const LayerContext& context);
  /// dx from dz, writing dW and db.
  Tensor affine_backward(const Tensor& dz, const LayerContext& context);

  std::int64_t units_;
  std::int64_t inputs_ = 0;
  kernels::Activation activation_;
  Shape input_example_;
  Tensor input_, z_, y_;             // saved by forward for backward
  bool keep_preactivation_ = false;  // the output layer's loss reads z
};

}  // namespace gyre::nn
