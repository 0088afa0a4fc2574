#pragma once
// Layer: one vertex of a network's graph (a step of a sequential network) with an explicit
// forward and backward (no autograd). A layer's parameters and gradients are views into the
// network's flat buffers. Vertices of several inputs (add, merge, ...) are in nn/vertices.h.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "nn/workspace_mode.h"
#include "runtime/tensor.h"

namespace gyre::nn {

/// A named view of a layer's parameters (for model files): "W", "b", "gamma", ...
struct NamedParameter {
  std::string name;
  Shape shape;
  std::int64_t offset;  // in the layer's slice of the flat buffer, in elements
};

class Layer {
 public:
  virtual ~Layer() = default;

  /// "dense", "conv2d", ... (the JSON config's "type").
  virtual std::string type() const = 0;
  /// Fixes the input shape of one example ([784], [1, 28, 28]); returns the output shape.
  /// Called once when the network is built; throws InvalidArgumentError on a mismatch.
  virtual Shape configure(const Shape& input_example) = 0;
  virtual std::int64_t parameter_count() const { return 0; }
  /// The layer's parameters inside its slice of the flat buffers.
  virtual std::vector<NamedParameter> parameter_layout() const { return {}; }
  /// Non-trainable state (batch norm's running statistics): saved, copied and averaged
  /// with the parameters, but never handed to the optimizer (no weight decay, no step).
  virtual std::int64_t state_count() const { return 0; }
  virtual std::vector<NamedParameter> state_layout() const { return {}; }
  /// Points the layer at its slice of the network's flat state buffer.
  void bind_state(const Tensor& state) { state_ = state; }
  /// Points the layer at its slices of the flat parameter and gradient buffers.
  void bind(const Tensor& parameters, const Tensor& gradients) {
    parameters_ = parameters;
    gradients_ = gradients;
  }
  /// Fills the layer's parameters deterministically from `seed`.
  virtual void initialize(std::uint64_t seed) { (void)seed; }

  /// output = f(input); keeps what backward needs (valid until the pass's cycle ends).
  virtual Tensor forward(const Tensor& input, const LayerContext& context) = 0;
  /// d loss / d input from d loss / d output; writes the parameter gradients into the flat
  /// gradient buffer.
  virtual Tensor backward(const Tensor& output_gradient, const LayerContext& context) = 0;

  /// The JSON config that rebuilds this layer ({"type": ..., ...}).
  virtual nlohmann::json config() const = 0;

  // ---- as a vertex of a graph: the network always calls these ----
  /// The feature mask ([N, T], for time series) of this layer's output, given its input's
  /// (undefined: none). Most layers keep it; one that ends the time axis drops it.
  virtual Tensor output_mask(const Tensor& input_mask) const { return input_mask; }
  /// Inputs the layer takes: 1 for an ordinary layer, 0 for "one or more" (add, merge...).
  virtual int arity() const { return 1; }
  /// The input whose feature mask the layer reads and passes on; −1: its first masked input.
  virtual int mask_input() const { return -1; }
  /// configure() over the example shapes of every input.
  virtual Shape configure_inputs(const std::vector<Shape>& inputs) { return configure(inputs[0]); }
  virtual Tensor forward_inputs(const std::vector<Tensor>& inputs, const LayerContext& context) {
    return forward(inputs[0], context);
  }
  /// Writes d loss / d input of each input into `input_gradients` (resized to the inputs;
  /// an entry is left undefined when context.need_input_gradient is false). The vector is
  /// the caller's, reused every pass, so that a steady-state step allocates nothing.
  virtual void backward_inputs(const Tensor& output_gradient, const LayerContext& context,
                               std::vector<Tensor>& input_gradients) {
    input_gradients.resize(1);
    input_gradients[0] = backward(output_gradient, context);
  }

 protected:
  /// View `count` elements at `offset` of this layer's parameter slice, with `shape`.
  Tensor parameter(std::int64_t offset, const Shape& shape) const;
  Tensor gradient(std::int64_t offset, const Shape& shape) const;
  Tensor state_view(std::int64_t offset, const Shape& shape) const;

  Tensor parameters_, gradients_, state_;
};

}  // namespace gyre::nn
