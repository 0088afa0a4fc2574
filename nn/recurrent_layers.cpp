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

LstmLayer::LstmLayer(std::int64_t units, bool bidirectional, bool return_sequences)
    : units_(units), bidirectional_(bidirectional), return_sequences_(return_sequences) {
  GYRE_CHECK(units > 0, InvalidArgumentError, "lstm layer: units ", units, " must be > 0");
}

Shape LstmLayer::configure(const Shape& input_example) {
  GYRE_CHECK(input_example.rank() == 2, InvalidArgumentError,
             "lstm layer: takes time series of examples [T, features], got ", input_example);
  inputs_ = input_example.dim(1);
  const std::int64_t width = directions() * units_;
  return return_sequences_ ? Shape{input_example.dim(0), width} : Shape{width};
}

std::vector<NamedParameter> LstmLayer::parameter_layout() const {
  std::vector<NamedParameter> layout;
  for (int d = 0; d < directions(); ++d) {
    const std::string prefix = d == 0 ? "" : "reverse_";
    const std::int64_t base = d * per_direction();
    layout.push_back({prefix + "W", Shape{inputs_, 4 * units_}, base});
    layout.push_back({prefix + "RW", Shape{units_, 4 * units_}, base + inputs_ * 4 * units_});
    layout.push_back(
        {prefix + "b", Shape{4 * units_}, base + inputs_ * 4 * units_ + units_ * 4 * units_});
  }
  return layout;
}

Tensor LstmLayer::weights(int direction) const {
  return parameter(direction * per_direction(), Shape{inputs_, 4 * units_});
}
Tensor LstmLayer::recurrent(int direction) const {
  return parameter(direction * per_direction() + inputs_ * 4 * units_, Shape{units_, 4 * units_});
}
Tensor LstmLayer::bias(int direction) const {
  return parameter(direction * per_direction() + inputs_ * 4 * units_ + units_ * 4 * units_,
                   Shape{4 * units_});
}

// PyTorch's initialisation: every weight and bias from U(±1/√H).
void LstmLayer::initialize(std::uint64_t seed) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(units_));
  kernels::fill_uniform(parameters_, -bound, bound, seed);
}

// Time-major inside: one GEMM projects every step's input, then each step adds h·RW to its
// rows (contiguous [N, 4H]) and runs the fused cell. The reverse direction walks T−1..0.
Tensor LstmLayer::forward(const Tensor& input, const LayerContext& context) {
  GYRE_CHECK(input.shape().rank() == 3 && input.shape().dim(2) == inputs_, InvalidArgumentError,
             "lstm layer ", context.layer_index, ": input ", input.description(),
             " must be [N, T, ", inputs_, "]");
  const std::int64_t n = input.shape().dim(0), steps = input.shape().dim(1);
  GYRE_CHECK(steps > 0, InvalidArgumentError, "lstm layer ", context.layer_index, ": input ",
             input.description(), " has no time steps");
  const Device device = input.device();
  const Tensor* mask = defined_or_null(context.mask);
  if (mask != nullptr)
    GYRE_CHECK(mask->shape() == Shape({n, steps}), InvalidArgumentError, "lstm layer ",
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
      gates_[d] = kernels::gemm(x_rows, weights(d));
      kernels::bias_add(gates_[d], bias(d), gates_[d]);
      cells_[d] = Tensor::empty({steps, n, units_}, DType::f32, device);
      hidden_[d] = Tensor::empty({steps, n, units_}, DType::f32, device);
      for (std::int64_t s = 0; s < steps; ++s) {
        const std::int64_t t = d == 0 ? s : steps - 1 - s, previous = d == 0 ? t - 1 : t + 1;
        const Tensor z = gates_[d].slice(0, t * n, (t + 1) * n);
        Tensor c_previous;
        if (s > 0) {
          kernels::gemm(hidden_[d].slice(0, previous, previous + 1).reshape({n, units_}),
                        recurrent(d), false, false, 1.0f, 1.0f, z);
          c_previous = cells_[d].slice(0, previous, previous + 1).reshape({n, units_});
        }
        kernels::lstm_cell_forward(z, c_previous, cells_[d].slice(0, t, t + 1).reshape({n, units_}),
                                   hidden_[d].slice(0, t, t + 1).reshape({n, units_}), mask_, t);
      }
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

Tensor LstmLayer::backward(const Tensor& output_gradient, const LayerContext& context) {
  const std::int64_t steps = x_time_major_.shape().dim(0), n = x_time_major_.shape().dim(1);
  const Device device = output_gradient.device();
  const std::int64_t H = units_;
  Tensor dx_time_major;
  {
    WorkspaceScope working = context.working();
    if (context.need_input_gradient)
      dx_time_major = Tensor::empty({steps * n, inputs_}, DType::f32, device);
    const Tensor dh_step = Tensor::empty({n, H}, DType::f32, device);
    const Tensor dc = Tensor::empty({n, H}, DType::f32, device);
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
      Tensor dz = Tensor::empty({steps * n, 4 * H}, DType::f32, device);
      kernels::fill(dc, 0.0);
      for (std::int64_t s = steps - 1; s >= 0; --s) {
        const std::int64_t t = d == 0 ? s : steps - 1 - s, previous = d == 0 ? t - 1 : t + 1;
        const Tensor dh_t = dh.slice(0, t, t + 1).reshape({n, H});
        if (s < steps - 1) kernels::add(dh_t, dh_step, dh_t);  // the recurrent part
        const Tensor dz_t = dz.slice(0, t * n, (t + 1) * n);
        const Tensor c_previous =
            s > 0 ? cells_[d].slice(0, previous, previous + 1).reshape({n, H}) : Tensor();
        kernels::lstm_cell_backward(gates_[d].slice(0, t * n, (t + 1) * n), c_previous,
                                    cells_[d].slice(0, t, t + 1).reshape({n, H}), dh_t, dc, dz_t,
                                    mask_, t);
        if (s > 0) kernels::gemm(dz_t, recurrent(d), false, true, 1.0f, 0.0f, dh_step);
      }
      // Parameter gradients, one GEMM each over every step.
      const std::int64_t base = d * per_direction();
      const Tensor d_recurrent = gradient(base + inputs_ * 4 * H, Shape{H, 4 * H});
      if (steps == 1) {
        kernels::fill(d_recurrent, 0.0);
      } else {
        const Tensor h_rows = hidden_[d].reshape({steps * n, H});
        // h of step t−1 (forward) or t+1 (reverse) met the gates of step t.
        const Tensor earlier =
            d == 0 ? h_rows.slice(0, 0, (steps - 1) * n) : h_rows.slice(0, n, steps * n);
        const Tensor later = d == 0 ? dz.slice(0, n, steps * n) : dz.slice(0, 0, (steps - 1) * n);
        kernels::gemm(earlier, later, true, false, 1.0f, 0.0f, d_recurrent);
      }
      const Tensor x_rows = x_time_major_.reshape({steps * n, inputs_});
      kernels::gemm(x_rows, dz, true, false, 1.0f, 0.0f, gradient(base, Shape{inputs_, 4 * H}));
      kernels::reduce(kernels::Reduction::sum, dz, 0, false,
                      gradient(base + inputs_ * 4 * H + H * 4 * H, Shape{4 * H}));
      if (context.need_input_gradient)
        kernels::gemm(dz, weights(d), false, true, 1.0f, d == 0 ? 0.0f : 1.0f, dx_time_major);
    }
  }
  if (!context.need_input_gradient) return {};
  WorkspaceScope outputs = context.outputs();
  Tensor dx = Tensor::empty({n, steps, inputs_}, DType::f32, device);
  kernels::transpose_01(dx_time_major.reshape({steps, n, inputs_}), 0, dx, 0, inputs_);
  return dx;
}

nlohmann::json LstmLayer::config() const {
  return {{"type", type()},
          {"units", units_},
          {"bidirectional", bidirectional_},
          {"return_sequences", return_sequences_}};
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

void register_recurrent_layers(LayerRegistry& registry) {
  registry.add("lstm", {"units", "bidirectional", "return_sequences"},
               [](const LayerSettings& settings) {
                 return std::make_unique<LstmLayer>(settings.integer("units", 0, true),
                                                    settings.flag("bidirectional", false),
                                                    settings.flag("return_sequences", true));
               });
  registry.add("last_time_step", {},
               [](const LayerSettings&) { return std::make_unique<LastTimeStepVertex>(); });
}

}  // namespace gyre::nn
