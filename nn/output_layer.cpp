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

Shape RnnOutputLayer::configure(const Shape& input_example) {
  GYRE_CHECK(input_example.rank() == 2, InvalidArgumentError,
             "rnn_output layer: takes time series of examples [T, features], got ", input_example,
             "; an 'output' layer takes one vector per example");
  DenseLayer::configure(Shape{input_example.dim(1)});
  return Shape{input_example.dim(0), units_};
}

// The dense part runs on the N·T rows of the batch.
Tensor RnnOutputLayer::forward(const Tensor& input, const LayerContext& context) {
  GYRE_CHECK(input.shape().rank() == 3 && input.shape().dim(2) == inputs_, InvalidArgumentError,
             "rnn_output layer ", context.layer_index, ": input ", input.description(),
             " must be [N, T, ", inputs_, "]");
  n_ = input.shape().dim(0);
  steps_ = input.shape().dim(1);
  return OutputLayer::forward(input.reshape({n_ * steps_, inputs_}), context)
      .reshape({n_, steps_, units_});
}

// With a mask: masked rows get labels that cost nothing (zeros for mcxent, the prediction
// for mse) and no gradient; the mean over all N·T rows is rescaled to the present ones.
Tensor RnnOutputLayer::loss(const Tensor& labels, const LayerContext& context) {
  GYRE_CHECK(labels.shape() == Shape({n_, steps_, units_}), InvalidArgumentError,
             "rnn_output layer: labels ", labels.description(), " must be [N, T, K] = [", n_, ", ",
             steps_, ", ", units_, "], one label per time step");
  const std::int64_t rows = n_ * steps_;
  const Tensor label_rows = labels.reshape({rows, units_});
  if (context.mask == nullptr || !context.mask->defined())
    return OutputLayer::loss(label_rows, context);
  const Tensor& mask = *context.mask;
  GYRE_CHECK(mask.shape() == Shape({n_, steps_}), InvalidArgumentError, "rnn_output layer: mask ",
             mask.description(), " must be [N, T] = [", n_, ", ", steps_, "]");
  GYRE_CHECK(loss_function() != Loss::xent, InvalidArgumentError,
             "rnn_output layer: the xent loss takes no mask; use mcxent over two classes, or "
             "give every step a label");
  const Tensor present = mask.reshape({rows, 1});
  Tensor used;
  if (loss_function() == Loss::mse) {  // used = y + (labels − y)·mask
    const Tensor y_rows = y_.reshape({rows, units_});
    used = kernels::binary(kernels::BinaryOp::subtract, label_rows, y_rows);
    kernels::multiply(used, present, used);
    kernels::add(y_rows, used, used);
  } else {
    used = kernels::multiply(label_rows, present);  // column broadcast
  }
  const Tensor value = OutputLayer::loss(used, context);
  // scale = rows / max(present steps, 1); each present row's gradient is scaled by it.
  const Tensor count = kernels::reduce(kernels::Reduction::sum, mask.reshape({rows}), 0);
  const Tensor scale = Tensor::empty(Shape{}, DType::f32, mask.device());
  kernels::fill(scale, 1.0);
  kernels::binary(kernels::BinaryOp::maximum, count, scale, count);
  kernels::fill(scale, static_cast<double>(rows));
  kernels::binary(kernels::BinaryOp::divide, scale, count, scale);
  const Tensor row_weights = kernels::multiply(present, scale.reshape({1}));
  WorkspaceScope outputs = context.outputs();
  kernels::multiply(dz_, row_weights, dz_);
  return kernels::multiply(value, scale);
}

Tensor RnnOutputLayer::backward(const Tensor& output_gradient, const LayerContext& context) {
  const Tensor dx = OutputLayer::backward(output_gradient, context);
  return dx.defined() ? dx.reshape({n_, steps_, inputs_}) : dx;
}

nlohmann::json OutputLayer::config() const {
  return {{"type", type()}, {"units", units_}, {"loss", name_of(loss_)}};
}

void register_output_layer(LayerRegistry& registry) {
  registry.add("output", {"units", "loss"}, [](const LayerSettings& settings) {
    return std::make_unique<OutputLayer>(settings.integer("units", 0, true),
                                         parse_loss(settings.text("loss", "mcxent")));
  });
  registry.add("rnn_output", {"units", "loss"}, [](const LayerSettings& settings) {
    return std::make_unique<RnnOutputLayer>(settings.integer("units", 0, true),
                                            parse_loss(settings.text("loss", "mcxent")));
  });
}

}  // namespace gyre::nn
