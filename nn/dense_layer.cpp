#include "nn/dense_layer.h"

#include "kernels/ops.h"
#include "nn/activations.h"
#include "nn/layer_registry.h"
#include "runtime/error.h"

namespace gyre::nn {
namespace {

// Whether backward needs z, or can take the derivative from y alone (y > 0 iff z > 0 for the
// ReLU family; tanh and sigmoid are functions of y). Only then must z outlive the layer.
bool needs_preactivation(kernels::Activation activation) {
  return activation == kernels::Activation::gelu;
}

}  // namespace

DenseLayer::DenseLayer(std::int64_t units, kernels::Activation activation)
    : units_(units), activation_(activation) {
  GYRE_CHECK(units > 0, InvalidArgumentError, "dense layer: units ", units, " must be > 0");
}

Shape DenseLayer::configure(const Shape& input_example) {
  input_example_ = input_example;
  inputs_ = input_example.numel();
  GYRE_CHECK(inputs_ > 0, InvalidArgumentError, "dense layer: its input ", input_example,
             " is empty");
  return Shape{units_};
}

std::vector<NamedParameter> DenseLayer::parameter_layout() const {
  return {{"W", Shape{inputs_, units_}, 0}, {"b", Shape{units_}, inputs_ * units_}};
}

void DenseLayer::initialize(std::uint64_t seed) {
  // Xavier for saturating activations, He for the ReLU family (as DL4J's WeightInit presets).
  const Tensor weights = parameter(0, Shape{inputs_, units_});
  if (activation_ == kernels::Activation::relu || activation_ == kernels::Activation::leaky_relu ||
      activation_ == kernels::Activation::elu || activation_ == kernels::Activation::gelu) {
    kernels::he_normal(weights, inputs_, seed);
  } else {
    kernels::xavier_uniform(weights, inputs_, units_, seed);
  }
  kernels::fill(parameter(inputs_ * units_, Shape{units_}), 0.0);
}

Tensor DenseLayer::affine(const Tensor& input, const LayerContext& context) {
  GYRE_CHECK(input.numel() == input.shape().dim(0) * inputs_, InvalidArgumentError, "dense layer ",
             context.layer_index, ": input ", input.description(), " does not have ", inputs_,
             " features per example");
  input_ = input.reshape({input.shape().dim(0), inputs_});
  // z is kept for backward only when the activation needs it; else it is working memory.
  const bool keep = keep_preactivation_ || activation_ == kernels::Activation::identity ||
                    needs_preactivation(activation_);
  WorkspaceScope outputs = keep ? context.outputs() : context.working();
  z_ = kernels::gemm(input_, parameter(0, Shape{inputs_, units_}));
  kernels::bias_add(z_, parameter(inputs_ * units_, Shape{units_}), z_);
  return z_;
}

Tensor DenseLayer::forward(const Tensor& input, const LayerContext& context) {
  affine(input, context);
  if (activation_ == kernels::Activation::identity) return y_ = z_;
  WorkspaceScope outputs = context.outputs();
  y_ = kernels::activation_forward(activation_, z_);
  return y_;
}

Tensor DenseLayer::affine_backward(const Tensor& dz, const LayerContext& context) {
  kernels::gemm(input_, dz, true, false, 1.0f, 0.0f, gradient(0, Shape{inputs_, units_}));
  kernels::reduce(kernels::Reduction::sum, dz, 0, false, gradient(inputs_ * units_, Shape{units_}));
  if (!context.need_input_gradient) return {};
  WorkspaceScope outputs = context.outputs();
  const Tensor dx = kernels::gemm(dz, parameter(0, Shape{inputs_, units_}), false, true);
  std::int64_t dims[Shape::kMaxRank + 1];
  dims[0] = dz.shape().dim(0);
  for (int i = 0; i < input_example_.rank(); ++i) dims[i + 1] = input_example_.dims()[i];
  return dx.reshape(Shape(dims, input_example_.rank() + 1));
}

Tensor DenseLayer::backward(const Tensor& output_gradient, const LayerContext& context) {
  if (activation_ == kernels::Activation::identity)
    return affine_backward(output_gradient, context);
  WorkspaceScope working = context.working();
  const Tensor& x = needs_preactivation(activation_) ? z_ : y_;
  const Tensor dz = kernels::activation_backward(activation_, x, y_, output_gradient);
  return affine_backward(dz, context);
}

nlohmann::json DenseLayer::config() const {
  return {{"type", type()}, {"units", units_}, {"activation", activation_name(activation_)}};
}

void register_dense_layer(LayerRegistry& registry) {
  registry.add("dense", {"units", "activation"}, [](const LayerSettings& settings) {
    return std::make_unique<DenseLayer>(settings.integer("units", 0, true),
                                        parse_activation(settings.text("activation", "relu")));
  });
}

}  // namespace gyre::nn
