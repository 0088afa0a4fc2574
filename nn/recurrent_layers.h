#pragma once
// Recurrent layers over time series laid out [N, T, C] (batch first: PyTorch's
// batch_first=True, DL4J's NWC), with an optional feature mask [N, T] (1 present, 0
// padding; each example's present steps first) that reaches them through LayerContext::mask.
// "lstm" and "gru": PyTorch's equations, optionally bidirectional (forward half first) and
// returning either every step or the last one;
// "last_time_step": each example's last present step. docs/design/recurrent.md.
#include "nn/layer.h"

namespace gyre::nn {

/// What LSTM and GRU share: per direction W [I, G·H], RW [H, G·H], b [G·H] (and for the
/// GRU rb [G·H]); a time-major pass (one GEMM projects every step's input), both
/// directions, every step or the last one, masks; the parameter gradients as GEMMs over
/// every step. A subclass runs its cells over the steps, forward and backward.
class RecurrentLayer : public Layer {
 public:
  std::string type() const override { return type_; }
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

 protected:
  RecurrentLayer(const char* type, std::int64_t units, bool bidirectional, bool return_sequences,
                 int gates, bool recurrent_bias);
  /// Runs direction d over every step (from step_at(d, 0) on): `input_gates` [T·N, G·H]
  /// holds x·W + b; fills hidden_[d] [T, N, H] and keeps what backward_cells reads, in the
  /// current workspace.
  virtual void forward_cells(int d, const Tensor& input_gates, std::int64_t n) = 0;
  struct CellGradients {
    Tensor input_gates, hidden_gates;  // [T·N, G·H]: of x·W + b and of h_prev·RW (+ rb)
  };
  /// From dh [T, N, H], each step's output gradient (the recurrent part not yet added),
  /// back through direction d's steps; made in the current workspace.
  virtual CellGradients backward_cells(int d, const Tensor& dh, std::int64_t n) = 0;

  int directions() const { return bidirectional_ ? 2 : 1; }
  std::int64_t steps() const { return hidden_[0].shape().dim(0); }
  /// Step t of the s-th cell of direction d (the reverse direction walks T−1..0) and the
  /// step whose state it reads.
  std::int64_t step_at(int d, std::int64_t s) const { return d == 0 ? s : steps() - 1 - s; }
  std::int64_t previous_of(int d, std::int64_t t) const { return d == 0 ? t - 1 : t + 1; }
  Tensor weights(int direction) const;         // W [I, G·H]
  Tensor recurrent(int direction) const;       // RW [H, G·H]
  Tensor bias(int direction) const;            // b [G·H]
  Tensor recurrent_bias(int direction) const;  // rb [G·H] (GRU)

  std::int64_t units_, inputs_ = 0;
  Tensor mask_, hidden_[2];  // the pass's mask (or undefined); h [T, N, H] per direction

 private:
  std::int64_t width() const { return gates_ * units_; }
  std::int64_t per_direction() const {
    return (inputs_ + units_ + (recurrent_bias_ ? 2 : 1)) * width();
  }

  std::string type_;
  int gates_;
  bool bidirectional_, return_sequences_, recurrent_bias_;
  Tensor x_time_major_, selection_;  // [T, N, I]; [N, T] one-hot at the last present step
};

/// "lstm": PyTorch's equations and gate order i, f, g, o; b stands for b_ih + b_hh.
class LstmLayer final : public RecurrentLayer {
 public:
  LstmLayer(std::int64_t units, bool bidirectional, bool return_sequences)
      : RecurrentLayer("lstm", units, bidirectional, return_sequences, 4, false) {}

 private:
  void forward_cells(int d, const Tensor& input_gates, std::int64_t n) override;
  CellGradients backward_cells(int d, const Tensor& dh, std::int64_t n) override;
  Tensor gates_[2], cells_[2];  // per direction: activations [T·N, 4H], cells [T, N, H]
};

/// "gru": PyTorch's equations (linear before reset) and gate order r, z, n; b is b_ih and rb
/// is b_hh, kept apart because rb's n part is gated by r.
class GruLayer final : public RecurrentLayer {
 public:
  GruLayer(std::int64_t units, bool bidirectional, bool return_sequences)
      : RecurrentLayer("gru", units, bidirectional, return_sequences, 3, true) {}

 private:
  void forward_cells(int d, const Tensor& input_gates, std::int64_t n) override;
  CellGradients backward_cells(int d, const Tensor& dh, std::int64_t n) override;
  // Per direction: activations r, z, n [T·N, 3H]; h_prev·RW + rb [T·N, 3H].
  Tensor gates_[2], hidden_gates_[2];
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
