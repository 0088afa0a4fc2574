#pragma once
// Graph vertices without parameters (DL4J's ComputationGraph vertices): element-wise add and
// multiply (residual connections, gates), merge (concatenation along the example's first
// axis: features or channels), subset (a range of it), reshape and flatten, and
// duplicate_to_time_series. Registered as
// layer types, so a graph config names them like layers.
#include <vector>

#include "nn/layer.h"

namespace gyre::nn {

/// A vertex of one or more inputs: the single-input Layer calls go through the graph calls.
class MultiInputVertex : public Layer {
 public:
  int arity() const override { return 0; }
  Shape configure(const Shape& input_example) final;
  Tensor forward(const Tensor& input, const LayerContext& context) final;
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) final;
};

/// y = x1 + x2 + ... or y = x1 ∘ x2 ∘ ... of inputs of one shape.
class ElementwiseVertex final : public MultiInputVertex {
 public:
  enum class Op { add, multiply };
  explicit ElementwiseVertex(Op op) : op_(op) {}
  std::string type() const override { return op_ == Op::add ? "add" : "multiply"; }
  Shape configure_inputs(const std::vector<Shape>& inputs) override;
  Tensor forward_inputs(const std::vector<Tensor>& inputs, const LayerContext& context) override;
  void backward_inputs(const Tensor& output_gradient, const LayerContext& context,
                       std::vector<Tensor>& input_gradients) override;
  nlohmann::json config() const override { return {{"type", type()}}; }

 private:
  Op op_;
  std::vector<Tensor> inputs_;  // multiply: the factors, for backward
  std::size_t arity_ = 0;
};

/// Concatenates its inputs along the example's first axis ([N, a, ...] and [N, b, ...] ->
/// [N, a + b, ...]), or a time series' features ([N, T, a] and [N, T, b] -> [N, T, a + b]);
/// the other dimensions must agree.
class MergeVertex final : public MultiInputVertex {
 public:
  std::string type() const override { return "merge"; }
  Shape configure_inputs(const std::vector<Shape>& inputs) override;
  Tensor forward_inputs(const std::vector<Tensor>& inputs, const LayerContext& context) override;
  void backward_inputs(const Tensor& output_gradient, const LayerContext& context,
                       std::vector<Tensor>& input_gradients) override;
  nlohmann::json config() const override { return {{"type", type()}}; }

 private:
  int axis_ = 0;                     // of the example: 1 for a time series' features
  std::vector<std::int64_t> sizes_;  // each input's size along it
};

/// Indices from..to (inclusive, DL4J's SubsetVertex) of the example's first axis, or of a
/// time series' features.
class SubsetVertex final : public Layer {
 public:
  SubsetVertex(std::int64_t from, std::int64_t to);
  std::string type() const override { return "subset"; }
  Shape configure(const Shape& input_example) override;
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  nlohmann::json config() const override;

 private:
  std::int64_t from_, to_;
  int axis_ = 0;  // as merge's
  std::int64_t input_size_ = 0;
};

/// A view of each example with another shape of as many elements ("flatten": one axis).
class ReshapeVertex final : public Layer {
 public:
  /// An empty `example` flattens.
  explicit ReshapeVertex(Shape example) : example_(example) {}
  std::string type() const override { return example_.rank() == 0 ? "flatten" : "reshape"; }
  Shape configure(const Shape& input_example) override;
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  nlohmann::json config() const override;

 private:
  Shape example_, input_example_;
};

/// DL4J's DuplicateToTimeSeriesVertex: inputs x [N, C] and a reference time series
/// [N, T, *]; y [N, T, C] repeats x at every step of the reference (whose mask y carries).
/// The reference only sets T: its gradient is zero.
class DuplicateToTimeSeriesVertex final : public Layer {
 public:
  std::string type() const override { return "duplicate_to_time_series"; }
  int arity() const override { return 2; }
  int mask_input() const override { return 1; }          // the reference's, whatever x carries
  Shape configure(const Shape&) override { return {}; }  // configure_inputs is called
  Shape configure_inputs(const std::vector<Shape>& inputs) override;
  Tensor forward(const Tensor&, const LayerContext&) override { return {}; }
  Tensor forward_inputs(const std::vector<Tensor>& inputs, const LayerContext& context) override;
  Tensor backward(const Tensor&, const LayerContext&) override { return {}; }
  void backward_inputs(const Tensor& output_gradient, const LayerContext& context,
                       std::vector<Tensor>& input_gradients) override;
  nlohmann::json config() const override { return {{"type", type()}}; }

 private:
  Shape reference_shape_;  // the pass's reference [N, T, *]
};

}  // namespace gyre::nn
