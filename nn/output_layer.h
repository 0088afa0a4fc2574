#pragma once
// Output layer: a dense layer with its loss. "mcxent": softmax + multi-class
// cross-entropy (fused); "mse": identity + mean squared error; "xent": sigmoid + binary
// cross-entropy. "rnn_output": the same at every time step (DL4J's RnnOutputLayer).
#include "nn/dense_layer.h"

namespace gyre::nn {

enum class Loss { mcxent, mse, xent };
Loss parse_loss(const std::string& name);
const char* name_of(Loss loss);

class OutputLayer : public DenseLayer {
 public:
  OutputLayer(std::int64_t units, Loss loss);
  std::string type() const override { return "output"; }
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  /// The batch's mean loss against `labels` (a device scalar) times the loss weight; keeps
  /// d (weighted loss) / d z. context.mask: the steps that count (rnn_output only).
  virtual Tensor loss(const Tensor& labels, const LayerContext& context);
  /// The weight of this output's loss in the graph's sum (1 by default); its tensors are
  /// made on `device` now, so that a step allocates nothing for it.
  void set_loss_weight(float weight, Device device);
  /// Ignores `output_gradient`: the gradient comes from the loss.
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  nlohmann::json config() const override;
  Loss loss_function() const { return loss_; }

 protected:
  Tensor dz_;

 private:
  Tensor unweighted_loss(const Tensor& labels, const LayerContext& context);

  Loss loss_;
  float weight_ = 1.0f;
  Tensor weight_row_, weight_scalar_;  // the weight as [units] and as a scalar
};

/// Per time step: examples [T, C] -> [T, units], labels [N, T, units]. The loss is the mean
/// over the steps that count: those of the labels mask, else of the features mask that
/// reaches the layer, else every step (PyTorch's mean over non-ignored elements). Masks
/// take mcxent and mse; xent takes no mask.
class RnnOutputLayer final : public OutputLayer {
 public:
  using OutputLayer::OutputLayer;
  std::string type() const override { return "rnn_output"; }
  Shape configure(const Shape& input_example) override;
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  Tensor loss(const Tensor& labels, const LayerContext& context) override;
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;

 private:
  std::int64_t n_ = 0, steps_ = 0;  // the pass's batch
};

}  // namespace gyre::nn
