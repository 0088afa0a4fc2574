#pragma once
// Output layer: a dense layer with its loss. "mcxent": softmax + multi-class
// cross-entropy (fused); "mse": identity + mean squared error; "xent": sigmoid + binary
// cross-entropy.
#include "nn/dense_layer.h"

namespace gyre::nn {

enum class Loss { mcxent, mse, xent };
Loss parse_loss(const std::string& name);
const char* name_of(Loss loss);

class OutputLayer final : public DenseLayer {
 public:
  OutputLayer(std::int64_t units, Loss loss);
  std::string type() const override { return "output"; }
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  /// The batch's mean loss against `labels` (a device scalar); keeps d loss / d z.
  Tensor loss(const Tensor& labels, const LayerContext& context);
  /// Ignores `output_gradient`: the gradient comes from the loss.
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  nlohmann::json config() const override;
  Loss loss_function() const { return loss_; }

 private:
  Loss loss_;
  Tensor dz_;
};

}  // namespace gyre::nn
