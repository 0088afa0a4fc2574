#include "nn/convolution_layers.h"

#include "nn/activations.h"
#include "nn/layer_registry.h"
#include "runtime/error.h"

namespace gyre::nn {

// ---- Conv2D ---------------------------------------------------------------------------

Conv2dLayer::Conv2dLayer(std::int64_t channels, std::int64_t kernel, std::int64_t stride,
                         std::int64_t padding, kernels::Activation activation)
    : channels_(channels),
      kernel_(kernel),
      stride_(stride),
      padding_(padding),
      activation_(activation) {
  GYRE_CHECK(channels > 0 && kernel > 0 && stride > 0 && padding >= 0, InvalidArgumentError,
             "conv2d layer: channels ", channels, ", kernel ", kernel, ", stride ", stride,
             " must be > 0 and padding ", padding, " >= 0");
}

Shape Conv2dLayer::configure(const Shape& input_example) {
  GYRE_CHECK(input_example.rank() == 3, InvalidArgumentError, "conv2d layer: input ", input_example,
             " must be [channels, height, width] per example");
  in_channels_ = input_example.dim(0);
  const std::int64_t height = (input_example.dim(1) + 2 * padding_ - kernel_) / stride_ + 1;
  const std::int64_t width = (input_example.dim(2) + 2 * padding_ - kernel_) / stride_ + 1;
  GYRE_CHECK(height > 0 && width > 0, InvalidArgumentError, "conv2d layer: kernel ", kernel_,
             " does not fit the input ", input_example);
  return Shape{channels_, height, width};
}

std::vector<NamedParameter> Conv2dLayer::parameter_layout() const {
  return {{"W", weight_shape(), 0}, {"b", Shape{channels_}, weight_shape().numel()}};
}

void Conv2dLayer::initialize(std::uint64_t seed) {
  const std::int64_t fan_in = in_channels_ * kernel_ * kernel_;
  if (activation_ == kernels::Activation::relu || activation_ == kernels::Activation::leaky_relu) {
    kernels::he_normal(parameter(0, weight_shape()), fan_in, seed);
  } else {
    kernels::xavier_uniform(parameter(0, weight_shape()), fan_in, channels_ * kernel_ * kernel_,
                            seed);
  }
  kernels::fill(parameter(weight_shape().numel(), Shape{channels_}), 0.0);
}

Tensor Conv2dLayer::forward(const Tensor& input, const LayerContext& context) {
  x_ = input;
  Tensor convolved;
  {
    WorkspaceScope working = context.working();  // the convolution before its bias, and its scratch
    convolved = kernels::conv2d_forward(input, parameter(0, weight_shape()), options());
  }
  {
    WorkspaceScope outputs = context.outputs();
    z_ = kernels::channel_bias_add(convolved, parameter(weight_shape().numel(), Shape{channels_}));
  }
  if (activation_ == kernels::Activation::identity) return y_ = z_;
  WorkspaceScope outputs = context.outputs();
  return y_ = kernels::activation_forward(activation_, z_);
}

Tensor Conv2dLayer::backward(const Tensor& output_gradient, const LayerContext& context) {
  Tensor dz = output_gradient;
  {
    WorkspaceScope working = context.working();
    if (activation_ != kernels::Activation::identity) {
      dz = kernels::activation_backward(activation_, z_, y_, output_gradient);
    }
    kernels::conv2d_backward_filter(x_, dz, weight_shape(), options(), gradient(0, weight_shape()));
    kernels::channel_sum(dz, gradient(weight_shape().numel(), Shape{channels_}));
  }
  if (!context.need_input_gradient) return {};
  WorkspaceScope outputs = context.outputs();
  return kernels::conv2d_backward_data(parameter(0, weight_shape()), dz, x_.shape(), options());
}

nlohmann::json Conv2dLayer::config() const {
  return {{"type", type()},      {"channels", channels_},
          {"kernel", kernel_},   {"stride", stride_},
          {"padding", padding_}, {"activation", activation_name(activation_)}};
}

// ---- pooling --------------------------------------------------------------------------

PoolLayer::PoolLayer(kernels::Pooling pooling, std::int64_t kernel, std::int64_t stride)
    : pooling_(pooling), kernel_(kernel), stride_(stride) {
  GYRE_CHECK(kernel > 0 && stride > 0, InvalidArgumentError, "pooling layer: kernel ", kernel,
             " and stride ", stride, " must be > 0");
}

Shape PoolLayer::configure(const Shape& input_example) {
  GYRE_CHECK(input_example.rank() == 3 && input_example.dim(1) >= kernel_ &&
                 input_example.dim(2) >= kernel_,
             InvalidArgumentError, "pooling layer: input ", input_example,
             " must be [channels, height, width] at least as large as the window ", kernel_);
  return Shape{input_example.dim(0), (input_example.dim(1) - kernel_) / stride_ + 1,
               (input_example.dim(2) - kernel_) / stride_ + 1};
}

Tensor PoolLayer::forward(const Tensor& input, const LayerContext& context) {
  WorkspaceScope outputs = context.outputs();
  x_ = input;
  return y_ = kernels::pool2d_forward(pooling_, input, options());
}

Tensor PoolLayer::backward(const Tensor& output_gradient, const LayerContext& context) {
  WorkspaceScope outputs = context.outputs();
  return kernels::pool2d_backward(pooling_, x_, y_, output_gradient, options());
}

nlohmann::json PoolLayer::config() const {
  return {{"type", type()}, {"kernel", kernel_}, {"stride", stride_}};
}

// ---- batch norm ---------------------------------------------------------------------------

BatchNormLayer::BatchNormLayer(float momentum, float epsilon)
    : momentum_(momentum), epsilon_(epsilon) {
  GYRE_CHECK(momentum >= 0.0f && momentum <= 1.0f && epsilon > 0.0f, InvalidArgumentError,
             "batchnorm layer: momentum ", momentum, " must be in [0, 1] and epsilon ", epsilon,
             " > 0");
}

Shape BatchNormLayer::configure(const Shape& input_example) {
  GYRE_CHECK(input_example.rank() == 1 || input_example.rank() == 3, InvalidArgumentError,
             "batchnorm layer: input ", input_example,
             " must be [features] or [channels, height, width]");
  channels_ = input_example.dim(0);
  return input_example;
}

std::vector<NamedParameter> BatchNormLayer::parameter_layout() const {
  const Shape shape{channels_};
  return {{"gamma", shape, 0}, {"beta", shape, channels_}};
}

std::vector<NamedParameter> BatchNormLayer::state_layout() const {
  const Shape shape{channels_};
  return {{"mean", shape, 0}, {"var", shape, channels_}};
}

void BatchNormLayer::initialize(std::uint64_t) {
  kernels::fill(parameter(0, Shape{channels_}), 1.0);
  kernels::fill(parameter(channels_, Shape{channels_}), 0.0);
  kernels::fill(state_view(0, Shape{channels_}), 0.0);
  kernels::fill(state_view(channels_, Shape{channels_}), 1.0);
}

kernels::BatchNormState BatchNormLayer::state(const LayerContext&) {
  const Shape shape{channels_};
  kernels::BatchNormState state;
  state.gamma = parameter(0, shape);
  state.beta = parameter(channels_, shape);
  state.running_mean = state_view(0, shape);
  state.running_variance = state_view(channels_, shape);
  state.saved_mean = saved_mean_;
  state.saved_inverse_std = saved_inverse_std_;
  state.momentum = momentum_;
  state.epsilon = epsilon_;
  return state;
}

Tensor BatchNormLayer::forward(const Tensor& input, const LayerContext& context) {
  WorkspaceScope outputs = context.outputs();
  x_ = input;
  saved_mean_ = Tensor::empty(Shape{channels_}, DType::f32, input.device());
  saved_inverse_std_ = Tensor::empty(Shape{channels_}, DType::f32, input.device());
  kernels::BatchNormState current = state(context);
  return kernels::batch_norm_forward(input, current, context.training);
}

Tensor BatchNormLayer::backward(const Tensor& output_gradient, const LayerContext& context) {
  const Shape shape{channels_};
  WorkspaceScope outputs = context.outputs();
  return kernels::batch_norm_backward(x_, output_gradient, state(context), gradient(0, shape),
                                      gradient(channels_, shape));
}

nlohmann::json BatchNormLayer::config() const {
  return {{"type", type()}, {"momentum", momentum_}, {"epsilon", epsilon_}};
}

void register_convolution_layers(LayerRegistry& registry) {
  registry.add("conv2d", {"channels", "kernel", "stride", "padding", "activation"},
               [](const LayerSettings& settings) {
                 return std::make_unique<Conv2dLayer>(
                     settings.integer("channels", 0, true), settings.integer("kernel", 0, true),
                     settings.integer("stride", 1), settings.integer("padding", 0),
                     parse_activation(settings.text("activation", "relu")));
               });
  for (const kernels::Pooling pooling : {kernels::Pooling::max, kernels::Pooling::average}) {
    registry.add(pooling == kernels::Pooling::max ? "maxpool" : "avgpool", {"kernel", "stride"},
                 [pooling](const LayerSettings& settings) {
                   return std::make_unique<PoolLayer>(pooling, settings.integer("kernel", 2),
                                                      settings.integer("stride", 2));
                 });
  }
  registry.add("batchnorm", {"momentum", "epsilon"}, [](const LayerSettings& settings) {
    return std::make_unique<BatchNormLayer>(settings.real("momentum", 0.1f),
                                            settings.real("epsilon", 1e-5f));
  });
}

}  // namespace gyre::nn
