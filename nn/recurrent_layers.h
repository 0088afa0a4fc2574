#pragma once
// Recurrent layers over time series laid out [N, T, C] (batch first: PyTorch's
// batch_first=True, DL4J's NWC), with an optional feature mask [N, T] (1 present, 0
// padding; each example's present steps first) that reaches them through LayerContext::mask.
// "lstm": an LSTM (PyTorch's equations and gate order i, f, g, o), optionally
// bidirectional (forward half first) and returning either every step or the last one;
// "last_time_step": each example's last present step. docs/design/recurrent.md.
#include "nn/layer.h"

namespace gyre::nn {

class LstmLayer final : public Layer {
 public:
  LstmLayer(std::int64_t units, bool bidirectional, bool return_sequences);
  std::string type() const override { return "lstm"; }
  /// Takes examples [T, I]: T is nominal, a batch may have any number of steps.
  Shape configure(const Shape& input_example) override;
  std::int64_t parameter_count() const override { return directions() * per_direction(); }
  std::vector<NamedParameter> parameter_layout() const override;
  void initialize(std::uint64_t seed) override;
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  Tensor output_mask(const Tensor& input_mask) const override {
    return return_sequences_ ? input_mask : Tensor();
  }
  nlohmann::json config() const override;

 private:
  int directions() const { return bidirectional_ ? 2 : 1; }
  std::int64_t per_direction() const {
    return inputs_ * 4 * units_ + units_ * 4 * units_ + 4 * units_;
  }
  Tensor weights(int direction) const;    // W [I, 4H]
  Tensor recurrent(int direction) const;  // RW [H, 4H]
  Tensor bias(int direction) const;       // b [4H]

  std::int64_t units_, inputs_ = 0;
  bool bidirectional_, return_sequences_;
  // What backward reads, per pass: the time-major input [T, N, I], and per direction the
  // gates' activations [T·N, 4H], the cells and outputs [T, N, H]; the mask and selection.
  Tensor x_time_major_, gates_[2], cells_[2], hidden_[2], mask_, selection_;
};

/// [N, T, C] -> [N, C]: each example's last present step (step T−1 without a mask). The
/// output carries no mask.
class LastTimeStepVertex final : public Layer {
 public:
  std::string type() const override { return "last_time_step"; }
  Shape configure(const Shape& input_example) override;
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  Tensor output_mask(const Tensor&) const override { return Tensor(); }
  nlohmann::json config() const override { return {{"type", type()}}; }

 private:
  Tensor selection_;  // [N, 1, T]: one-hot at each example's last present step
  std::int64_t steps_ = 0;
};

}  // namespace gyre::nn
