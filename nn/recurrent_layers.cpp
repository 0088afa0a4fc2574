#include "nn/recurrent_layers.h"

#include <cmath>

#include "kernels/ops.h"
#include "nn/layer_registry.h"
#include "runtime/error.h"

namespace gyre::nn {
namespace {

const Tensor* defined_or_null(const Tensor* mask) {
  return mask != nullptr && mask->defined() ? mask : nullptr;
}

// [N, T]: 1 at each example's last present step (mask ⊙ (1 − mask shifted left)), or at
// step T−1 without a mask. Made in the current workspace.
Tensor last_step_selection(const Tensor* mask, std::int64_t n, std::int64_t steps, Device device) {
  Tensor selection = Tensor::empty({n, steps}, DType::f32, device);
  if (mask == nullptr) {
    kernels::fill(selection, 0.0);
    Tensor ones = Tensor::empty({n, 1}, DType::f32, device);
    kernels::fill(ones, 1.0);
    kernels::copy_axis_range(ones, 1, 0, selection, steps - 1, 1);
    return selection;
  }
  GYRE_CHECK(mask->shape() == Shape({n, steps}), InvalidArgumentError, "the feature mask ",
             mask->description(), " must be [N, T] = [", n, ", ", steps, "]");
  Tensor next = Tensor::empty({n, steps}, DType::f32, device);
  kernels::fill(next, 0.0);
  if (steps > 1) kernels::copy_axis_range(*mask, 1, 1, next, 0, steps - 1);
  kernels::multiply(*mask, next, next);
  kernels::binary(kernels::BinaryOp::subtract, *mask, next, selection);
  return selection;
}

}  // namespace

RecurrentLayer::RecurrentLayer(const char* type, std::int64_t units, bool bidirectional,
                               bool return_sequences, int gates, bool recurrent_bias)
    : units_(units),
      type_(type),
      gates_(gates),
      bidirectional_(bidirectional),
      return_sequences_(return_sequences),
      recurrent_bias_(recurrent_bias) {
  GYRE_CHECK(units > 0, InvalidArgumentError, type, " layer: units ", units, " must be > 0");
}

Shape RecurrentLayer::configure(const Shape& input_example) {
  GYRE_CHECK(input_example.rank() == 2, InvalidArgumentError, type_,
             " layer: takes time series of examples [T, features], got ", input_example);
  inputs_ = input_example.dim(1);
  const std::int64_t width = directions() * units_;
  return return_sequences_ ? Shape{input_example.dim(0), width} : Shape{width};
}

std::vector<NamedParameter> RecurrentLayer::parameter_layout() const {
  std::vector<NamedParameter> layout;
  for (int d = 0; d < directions(); ++d) {
    const std::string prefix = d == 0 ? "" : "reverse_";
    const std::int64_t base = d * per_direction();
    layout.push_back({prefix + "W", Shape{inputs_, width()}, base});
    layout.push_back({prefix + "RW", Shape{units_, width()}, base + inputs_ * width()});
    layout.push_back({prefix + "b", Shape{width()}, base + (inputs_ + units_) * width()});
    if (recurrent_bias_)
      layout.push_back({prefix + "rb", Shape{width()}, base + (inputs_ + units_ + 1) * width()});
  }
  return layout;
}

Tensor RecurrentLayer::weights(int direction) const {
  return parameter(direction * per_direction(), Shape{inputs_, width()});
}
Tensor RecurrentLayer::recurrent(int direction) const {
  return parameter(direction * per_direction() + inputs_ * width(), Shape{units_, width()});
}
Tensor RecurrentLayer::bias(int direction) const {
  return parameter(direction * per_direction() + (inputs_ + units_) * width(), Shape{width()});
}
Tensor RecurrentLayer::recurrent_bias(int direction) const {
  return parameter(direction * per_direction() + (inputs_ + units_ + 1) * width(), Shape{width()});
}

// PyTorch's initialisation: every weight and bias from U(±1/√H).
void RecurrentLayer::initialize(std::uint64_t seed) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(units_));
  kernels::fill_uniform(parameters_, -bound, bound, seed);
}

// Time-major inside: one GEMM projects every step's input, then the subclass's cells run
// over the steps, each step's rows a contiguous [N, G·H].
Tensor RecurrentLayer::forward(const Tensor& input, const LayerContext& context) {
  GYRE_CHECK(input.shape().rank() == 3 && input.shape().dim(2) == inputs_, InvalidArgumentError,
             type_, " layer ", context.layer_index, ": input ", input.description(),
             " must be [N, T, ", inputs_, "]");
  const std::int64_t n = input.shape().dim(0), steps = input.shape().dim(1);
  GYRE_CHECK(steps > 0, InvalidArgumentError, type_, " layer ", context.layer_index, ": input ",
             input.description(), " has no time steps");
  const Device device = input.device();
  const Tensor* mask = defined_or_null(context.mask);
  if (mask != nullptr)
    GYRE_CHECK(mask->shape() == Shape({n, steps}), InvalidArgumentError, type_, " layer ",
               context.layer_index, ": the feature mask ", mask->description(),
               " must be [N, T] = [", n, ", ", steps, "]");
  mask_ = mask != nullptr ? *mask : Tensor();
  // What backward reads lives with the activations in training, in working memory otherwise.
  {
    WorkspaceScope kept = context.training ? context.outputs() : context.working();
    x_time_major_ = Tensor::empty({steps, n, inputs_}, DType::f32, device);
    kernels::transpose_01(input, 0, x_time_major_, 0, inputs_);
    const Tensor x_rows = x_time_major_.reshape({steps * n, inputs_});
    for (int d = 0; d < directions(); ++d) {
      hidden_[d] = Tensor::empty({steps, n, units_}, DType::f32, device);
      Tensor input_gates = kernels::gemm(x_rows, weights(d));
      kernels::bias_add(input_gates, bias(d), input_gates);
      forward_cells(d, input_gates, n);
    }
    if (!return_sequences_) selection_ = last_step_selection(mask, n, steps, device);
  }
  WorkspaceScope outputs = context.outputs();
  const std::int64_t width = directions() * units_;
  if (return_sequences_) {
    Tensor y = Tensor::empty({n, steps, width}, DType::f32, device);
    for (int d = 0; d < directions(); ++d)
      kernels::transpose_01(hidden_[d], 0, y, d * units_, units_);
    return y;
  }
  // The forward half at each example's last present step; the reverse half's final state
  // (after step 0), as PyTorch's h_n.
  Tensor y = Tensor::empty({n, width}, DType::f32, device);
  {
    WorkspaceScope working = context.working();
    const Tensor batch_major = Tensor::empty({n, steps, units_}, DType::f32, device);
    kernels::transpose_01(hidden_[0], 0, batch_major, 0, units_);
    const Tensor last =
        kernels::gemm_batched(selection_.reshape({n, 1, steps}), batch_major).reshape({n, units_});
    kernels::copy_axis_range(last, 1, 0, y, 0, units_);
  }
  if (bidirectional_)
    kernels::copy_axis_range(hidden_[1].slice(0, 0, 1).reshape({n, units_}), 1, 0, y, units_,
                             units_);
  return y;
}

Tensor RecurrentLayer::backward(const Tensor& output_gradient, const LayerContext& context) {
  const std::int64_t steps = x_time_major_.shape().dim(0), n = x_time_major_.shape().dim(1);
  const Device device = output_gradient.device();
  const std::int64_t H = units_;
  Tensor dx_time_major;
  {
    WorkspaceScope working = context.working();
    if (context.need_input_gradient)
      dx_time_major = Tensor::empty({steps * n, inputs_}, DType::f32, device);
    for (int d = 0; d < directions(); ++d) {
      // d loss / d h of every step, time-major, from the output gradient.
      Tensor dh = Tensor::empty({steps, n, H}, DType::f32, device);
      if (return_sequences_) {
        kernels::transpose_01(output_gradient, d * H, dh, 0, H);
      } else {
        kernels::fill(dh, 0.0);
        Tensor half = Tensor::empty({n, H}, DType::f32, device);
        kernels::copy_axis_range(output_gradient, 1, d * H, half, 0, H);
        if (d == 0) {  // spread over the selected steps: dh[n, t] = selection[n, t] · dy[n]
          const Tensor spread =
              kernels::gemm_batched(selection_.reshape({n, steps, 1}), half.reshape({n, 1, H}));
          kernels::transpose_01(spread, 0, dh, 0, H);
        } else {
          kernels::copy_axis_range(half, 1, 0, dh.slice(0, 0, 1).reshape({n, H}), 0, H);
        }
      }
      const CellGradients cells = backward_cells(d, dh, n);
      // Parameter gradients, one GEMM or reduction each over every step.
      const std::int64_t base = d * per_direction();
      const Tensor d_recurrent = gradient(base + inputs_ * width(), Shape{H, width()});
      if (steps == 1) {
        kernels::fill(d_recurrent, 0.0);
      } else {
        const Tensor h_rows = hidden_[d].reshape({steps * n, H});
        // h of step t−1 (forward) or t+1 (reverse) met the gates of step t.
        const Tensor earlier =
            d == 0 ? h_rows.slice(0, 0, (steps - 1) * n) : h_rows.slice(0, n, steps * n);
        const Tensor later = d == 0 ? cells.hidden_gates.slice(0, n, steps * n)
                                    : cells.hidden_gates.slice(0, 0, (steps - 1) * n);
        kernels::gemm(earlier, later, true, false, 1.0f, 0.0f, d_recurrent);
      }
      const Tensor x_rows = x_time_major_.reshape({steps * n, inputs_});
      kernels::gemm(x_rows, cells.input_gates, true, false, 1.0f, 0.0f,
                    gradient(base, Shape{inputs_, width()}));
      kernels::reduce(kernels::Reduction::sum, cells.input_gates, 0, false,
                      gradient(base + (inputs_ + H) * width(), Shape{width()}));
      if (recurrent_bias_)
        kernels::reduce(kernels::Reduction::sum, cells.hidden_gates, 0, false,
                        gradient(base + (inputs_ + H + 1) * width(), Shape{width()}));
      if (context.need_input_gradient)
        kernels::gemm(cells.input_gates, weights(d), false, true, 1.0f, d == 0 ? 0.0f : 1.0f,
                      dx_time_major);
    }
  }
  if (!context.need_input_gradient) return {};
  WorkspaceScope outputs = context.outputs();
  Tensor dx = Tensor::empty({n, steps, inputs_}, DType::f32, device);
  kernels::transpose_01(dx_time_major.reshape({steps, n, inputs_}), 0, dx, 0, inputs_);
  return dx;
}

nlohmann::json RecurrentLayer::config() const {
  return {{"type", type_},
          {"units", units_},
          {"bidirectional", bidirectional_},
          {"return_sequences", return_sequences_}};
}

// Each step adds h·RW into its gate rows (beta = 1) and runs the fused cell.
void LstmLayer::forward_cells(int d, const Tensor& input_gates, std::int64_t n) {
  const std::int64_t H = units_;
  gates_[d] = input_gates;
  cells_[d] = Tensor::empty({steps(), n, H}, DType::f32, input_gates.device());
  for (std::int64_t s = 0; s < steps(); ++s) {
    const std::int64_t t = step_at(d, s), previous = previous_of(d, t);
    const Tensor z = gates_[d].slice(0, t * n, (t + 1) * n);
    Tensor c_previous;
    if (s > 0) {
      kernels::gemm(hidden_[d].slice(0, previous, previous + 1).reshape({n, H}), recurrent(d),
                    false, false, 1.0f, 1.0f, z);
      c_previous = cells_[d].slice(0, previous, previous + 1).reshape({n, H});
    }
    kernels::lstm_cell_forward(z, c_previous, cells_[d].slice(0, t, t + 1).reshape({n, H}),
                               hidden_[d].slice(0, t, t + 1).reshape({n, H}), mask_, t);
  }
}

// One gradient dz serves both the input and the recurrent projection (they are summed).
RecurrentLayer::CellGradients LstmLayer::backward_cells(int d, const Tensor& dh, std::int64_t n) {
  const std::int64_t H = units_;
  const Device device = dh.device();
  const Tensor dh_step = Tensor::empty({n, H}, DType::f32, device);
  const Tensor dc = Tensor::empty({n, H}, DType::f32, device);
  Tensor dz = Tensor::empty({steps() * n, 4 * H}, DType::f32, device);
  kernels::fill(dc, 0.0);
  for (std::int64_t s = steps() - 1; s >= 0; --s) {
    const std::int64_t t = step_at(d, s), previous = previous_of(d, t);
    const Tensor dh_t = dh.slice(0, t, t + 1).reshape({n, H});
    if (s < steps() - 1) kernels::add(dh_t, dh_step, dh_t);  // the recurrent part
    const Tensor dz_t = dz.slice(0, t * n, (t + 1) * n);
    const Tensor c_previous =
        s > 0 ? cells_[d].slice(0, previous, previous + 1).reshape({n, H}) : Tensor();
    kernels::lstm_cell_backward(gates_[d].slice(0, t * n, (t + 1) * n), c_previous,
                                cells_[d].slice(0, t, t + 1).reshape({n, H}), dh_t, dc, dz_t, mask_,
                                t);
    if (s > 0) kernels::gemm(dz_t, recurrent(d), false, true, 1.0f, 0.0f, dh_step);
  }
  return {dz, dz};
}

// Every step's h_prev·RW + rb: rb everywhere first (the first step's h_prev is 0), then each
// step adds h_prev·RW into its rows.
void GruLayer::forward_cells(int d, const Tensor& input_gates, std::int64_t n) {
  const std::int64_t H = units_;
  gates_[d] = input_gates;
  hidden_gates_[d] = Tensor::empty(input_gates.shape(), DType::f32, input_gates.device());
  kernels::fill(hidden_gates_[d], 0.0);
  kernels::bias_add(hidden_gates_[d], recurrent_bias(d), hidden_gates_[d]);
  for (std::int64_t s = 0; s < steps(); ++s) {
    const std::int64_t t = step_at(d, s), previous = previous_of(d, t);
    const Tensor hidden_rows = hidden_gates_[d].slice(0, t * n, (t + 1) * n);
    Tensor h_previous;
    if (s > 0) {
      h_previous = hidden_[d].slice(0, previous, previous + 1).reshape({n, H});
      kernels::gemm(h_previous, recurrent(d), false, false, 1.0f, 1.0f, hidden_rows);
    }
    kernels::gru_cell_forward(gates_[d].slice(0, t * n, (t + 1) * n), hidden_rows, h_previous,
                              hidden_[d].slice(0, t, t + 1).reshape({n, H}), mask_, t);
  }
}

// The cell writes h_prev's direct gradient (z·dh); RW's part is added by a GEMM.
RecurrentLayer::CellGradients GruLayer::backward_cells(int d, const Tensor& dh, std::int64_t n) {
  const std::int64_t H = units_;
  const Device device = dh.device();
  const Tensor dh_previous = Tensor::empty({n, H}, DType::f32, device);
  CellGradients out{Tensor::empty({steps() * n, 3 * H}, DType::f32, device),
                    Tensor::empty({steps() * n, 3 * H}, DType::f32, device)};
  for (std::int64_t s = steps() - 1; s >= 0; --s) {
    const std::int64_t t = step_at(d, s), previous = previous_of(d, t);
    const Tensor dh_t = dh.slice(0, t, t + 1).reshape({n, H});
    if (s < steps() - 1) kernels::add(dh_t, dh_previous, dh_t);  // the recurrent part
    const Tensor d_hidden_t = out.hidden_gates.slice(0, t * n, (t + 1) * n);
    const Tensor h_previous =
        s > 0 ? hidden_[d].slice(0, previous, previous + 1).reshape({n, H}) : Tensor();
    kernels::gru_cell_backward(gates_[d].slice(0, t * n, (t + 1) * n),
                               hidden_gates_[d].slice(0, t * n, (t + 1) * n), h_previous, dh_t,
                               out.input_gates.slice(0, t * n, (t + 1) * n), d_hidden_t,
                               s > 0 ? dh_previous : Tensor(), mask_, t);
    if (s > 0) kernels::gemm(d_hidden_t, recurrent(d), false, true, 1.0f, 1.0f, dh_previous);
  }
  return out;
}

Shape LastTimeStepVertex::configure(const Shape& input_example) {
  GYRE_CHECK(input_example.rank() == 2, InvalidArgumentError,
             "last_time_step: takes time series of examples [T, features], got ", input_example);
  return Shape{input_example.dim(1)};
}

// A batched product with a one-hot selection [N, 1, T]: the same ops on every device.
Tensor LastTimeStepVertex::forward(const Tensor& input, const LayerContext& context) {
  GYRE_CHECK(input.shape().rank() == 3, InvalidArgumentError, "last_time_step ",
             context.layer_index, ": input ", input.description(), " must be [N, T, C]");
  const std::int64_t n = input.shape().dim(0), channels = input.shape().dim(2);
  steps_ = input.shape().dim(1);
  {
    WorkspaceScope kept = context.training ? context.outputs() : context.working();
    selection_ = last_step_selection(defined_or_null(context.mask), n, steps_, input.device())
                     .reshape({n, 1, steps_});
  }
  WorkspaceScope outputs = context.outputs();
  return kernels::gemm_batched(selection_, input).reshape({n, channels});
}

Tensor LastTimeStepVertex::backward(const Tensor& output_gradient, const LayerContext& context) {
  if (!context.need_input_gradient) return {};
  const std::int64_t n = output_gradient.shape().dim(0), channels = output_gradient.shape().dim(1);
  WorkspaceScope outputs = context.outputs();
  return kernels::gemm_batched(selection_.reshape({n, steps_, 1}),
                               output_gradient.reshape({n, 1, channels}));
}

namespace {
template <typename RecurrentType>
void add_recurrent(LayerRegistry& registry, const char* type) {
  registry.add(type, {"units", "bidirectional", "return_sequences"},
               [](const LayerSettings& settings) {
                 return std::make_unique<RecurrentType>(settings.integer("units", 0, true),
                                                        settings.flag("bidirectional", false),
                                                        settings.flag("return_sequences", true));
               });
}
}  // namespace

void register_recurrent_layers(LayerRegistry& registry) {
  add_recurrent<LstmLayer>(registry, "lstm");
  add_recurrent<GruLayer>(registry, "gru");
  registry.add("last_time_step", {},
               [](const LayerSettings&) { return std::make_unique<LastTimeStepVertex>(); });
}

}  // namespace gyre::nn
