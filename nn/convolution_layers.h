#pragma once
// Layers over [N, C, H, W]: 2-D convolution, pooling and batch normalization.
#include "kernels/kernel_types.h"
#include "kernels/ops.h"
#include "nn/layer.h"

namespace gyre::nn {

/// y = f(conv(x, W) + b), W [out_channels, in_channels, kernel, kernel].
class Conv2dLayer final : public Layer {
 public:
  Conv2dLayer(std::int64_t channels, std::int64_t kernel, std::int64_t stride, std::int64_t padding,
              kernels::Activation activation);
  std::string type() const override { return "conv2d"; }
  Shape configure(const Shape& input_example) override;
  std::int64_t parameter_count() const override { return weight_shape().numel() + channels_; }
  std::vector<NamedParameter> parameter_layout() const override;
  void initialize(std::uint64_t seed) override;
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  nlohmann::json config() const override;

 private:
  Shape weight_shape() const { return Shape{channels_, in_channels_, kernel_, kernel_}; }
  kernels::Conv2dOptions options() const { return {stride_, stride_, padding_, padding_}; }
  std::int64_t channels_, kernel_, stride_, padding_;
  kernels::Activation activation_;
  std::int64_t in_channels_ = 0;
  Tensor x_, z_, y_;
};

/// Max or average pooling over kernel × kernel windows.
class PoolLayer final : public Layer {
 public:
  PoolLayer(kernels::Pooling pooling, std::int64_t kernel, std::int64_t stride);
  std::string type() const override {
    return pooling_ == kernels::Pooling::max ? "maxpool" : "avgpool";
  }
  Shape configure(const Shape& input_example) override;
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  nlohmann::json config() const override;

 private:
  kernels::Pool2dOptions options() const { return {kernel_, kernel_, stride_, stride_, 0, 0}; }
  kernels::Pooling pooling_;
  std::int64_t kernel_, stride_;
  Tensor x_, y_;
};

/// Batch normalization per channel (axis 1 of [N, C] or [N, C, H, W]). Parameters: gamma and
/// beta. State: the running mean and variance (saved and averaged with the parameters, never
/// stepped or decayed by the optimizer).
class BatchNormLayer final : public Layer {
 public:
  BatchNormLayer(float momentum, float epsilon);
  std::string type() const override { return "batchnorm"; }
  Shape configure(const Shape& input_example) override;
  std::int64_t parameter_count() const override { return 2 * channels_; }
  std::vector<NamedParameter> parameter_layout() const override;
  std::int64_t state_count() const override { return 2 * channels_; }
  std::vector<NamedParameter> state_layout() const override;
  void initialize(std::uint64_t seed) override;
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  nlohmann::json config() const override;

 private:
  kernels::BatchNormState state(const LayerContext& context);
  float momentum_, epsilon_;
  std::int64_t channels_ = 0;
  Tensor x_, saved_mean_, saved_inverse_std_;
};

}  // namespace gyre::nn
