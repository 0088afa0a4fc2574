#pragma once
// Graph vertices without parameters (DL4J's ComputationGraph vertices): element-wise add and
// multiply (residual connections, gates), merge (concatenation along the example's first
// axis: features or channels), subset (a range of it), reshape and flatten. Registered as
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
/// [N, a + b, ...]); the other dimensions must agree.
class MergeVertex final : public MultiInputVertex {
 public:
  std::string type() const override { return "merge"; }
  Shape configure_inputs(const std::vector<Shape>& inputs) override;
  Tensor forward_inputs(const std::vector<Tensor>& inputs, const LayerContext& context) override;
  void backward_inputs(const Tensor& output_gradient, const LayerContext& context,
                       std::vector<Tensor>& input_gradients) override;
  nlohmann::json config() const override { return {{"type", type()}}; }

 private:
  std::vector<Shape> examples_;  // each input's example shape
};

/// Indices from..to (inclusive, DL4J's SubsetVertex) of the example's first axis.
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
  Shape input_example_;
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

}  // namespace gyre::nn
