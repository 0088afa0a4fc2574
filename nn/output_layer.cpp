#include "nn/output_layer.h"

#include "kernels/ops.h"
#include "nn/layer_registry.h"
#include "runtime/error.h"

namespace gyre::nn {
namespace {
kernels::Activation activation_of(Loss loss) {
  switch (loss) {
    case Loss::mcxent:
      return kernels::Activation::softmax;
    case Loss::mse:
      return kernels::Activation::identity;
    case Loss::xent:
      return kernels::Activation::sigmoid;
  }
  return kernels::Activation::identity;
}
}  // namespace

Loss parse_loss(const std::string& name) {
  if (name == "mcxent") return Loss::mcxent;
  if (name == "mse") return Loss::mse;
  if (name == "xent") return Loss::xent;
  throw InvalidArgumentError(strcat("unknown loss '", name, "'; use mcxent, mse or xent"));
}

const char* name_of(Loss loss) {
  switch (loss) {
    case Loss::mcxent:
      return "mcxent";
    case Loss::mse:
      return "mse";
    case Loss::xent:
      return "xent";
  }
  return "?";
}

OutputLayer::OutputLayer(std::int64_t units, Loss loss)
    : DenseLayer(units, activation_of(loss)), loss_(loss) {
  keep_preactivation_ = true;  // the loss reads the logits z
}

Tensor OutputLayer::forward(const Tensor& input, const LayerContext& context) {
  return DenseLayer::forward(input, context);
}

Tensor OutputLayer::unweighted_loss(const Tensor& labels, const LayerContext& context) {
  GYRE_CHECK(labels.shape() == y_.shape(), InvalidArgumentError, "output layer: labels ",
             labels.description(), " must have the shape of the network's output ", y_.shape());
  WorkspaceScope outputs = context.outputs();
  switch (loss_) {
    case Loss::mcxent: {
      // The fused softmax cross-entropy recomputes the softmax from z (y_ holds the same).
      Tensor probabilities = y_;
      const Tensor value = kernels::softmax_cross_entropy(z_, labels, probabilities);
      dz_ = kernels::softmax_cross_entropy_backward(y_, labels);
      return value;
    }
    case Loss::mse:
      dz_ = kernels::mse_loss_backward(y_, labels);
      return kernels::mse_loss(y_, labels);
    case Loss::xent: {
      const Tensor dy = kernels::binary_cross_entropy_backward(y_, labels);
      dz_ = kernels::activation_backward(kernels::Activation::sigmoid, z_, y_, dy);
      return kernels::binary_cross_entropy(y_, labels);
    }
  }
  return {};
}

void OutputLayer::set_loss_weight(float weight, Device device) {
  weight_ = weight;
  if (weight == 1.0f) return;
  weight_row_ = Tensor::empty_detached({units_}, DType::f32, device);
  weight_scalar_ = Tensor::empty_detached(Shape{}, DType::f32, device);
  kernels::fill(weight_row_, weight);
  kernels::fill(weight_scalar_, weight);
}

// A graph's loss is the weighted sum of its outputs' losses: each output scales its own loss
// and d loss / d z (weight 1 leaves both untouched, so one output costs nothing more).
Tensor OutputLayer::loss(const Tensor& labels, const LayerContext& context) {
  Tensor value = unweighted_loss(labels, context);
  if (weight_ == 1.0f) return value;
  WorkspaceScope outputs = context.outputs();
  kernels::multiply(dz_, weight_row_, dz_);
  return kernels::multiply(value, weight_scalar_);
}

Tensor OutputLayer::backward(const Tensor&, const LayerContext& context) {
  return affine_backward(dz_, context);
}

nlohmann::json OutputLayer::config() const {
  return {{"type", type()}, {"units", units_}, {"loss", name_of(loss_)}};
}

void register_output_layer(LayerRegistry& registry) {
  registry.add("output", {"units", "loss"}, [](const LayerSettings& settings) {
    return std::make_unique<OutputLayer>(settings.integer("units", 0, true),
                                         parse_loss(settings.text("loss", "mcxent")));
  });
}

}  // namespace gyre::nn
