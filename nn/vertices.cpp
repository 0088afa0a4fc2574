#include "nn/vertices.h"

#include "kernels/ops.h"
#include "nn/layer_registry.h"
#include "runtime/error.h"

namespace gyre::nn {
namespace {

// [n, example...]
Shape with_batch(std::int64_t n, const Shape& example) {
  std::int64_t dims[Shape::kMaxRank];
  dims[0] = n;
  for (int i = 0; i < example.rank(); ++i) dims[i + 1] = example.dim(i);
  return Shape(dims, example.rank() + 1);
}

// The example shape with its first axis set to `size`.
Shape with_first_axis(const Shape& example, std::int64_t size) {
  std::int64_t dims[Shape::kMaxRank];
  for (int i = 0; i < example.rank(); ++i) dims[i] = example.dim(i);
  dims[0] = size;
  return Shape(dims, example.rank());
}

}  // namespace

Shape MultiInputVertex::configure(const Shape& input_example) {
  return configure_inputs({input_example});
}

Tensor MultiInputVertex::forward(const Tensor& input, const LayerContext& context) {
  return forward_inputs({input}, context);
}

Tensor MultiInputVertex::backward(const Tensor& output_gradient, const LayerContext& context) {
  std::vector<Tensor> gradients;
  backward_inputs(output_gradient, context, gradients);
  return gradients[0];
}

Shape ElementwiseVertex::configure_inputs(const std::vector<Shape>& inputs) {
  GYRE_CHECK(inputs.size() >= 2, InvalidArgumentError, "an '", type(),
             "' vertex needs at least two inputs, got ", inputs.size());
  for (const Shape& shape : inputs)
    GYRE_CHECK(shape == inputs[0], InvalidArgumentError, "an '", type(),
               "' vertex needs inputs of one shape; got examples of ", inputs[0], " and ", shape);
  arity_ = inputs.size();
  inputs_.reserve(arity_);
  return inputs[0];
}

Tensor ElementwiseVertex::forward_inputs(const std::vector<Tensor>& inputs,
                                         const LayerContext& context) {
  WorkspaceScope outputs = context.outputs();
  const auto combine = op_ == Op::add ? kernels::add : kernels::multiply;
  Tensor y = combine(inputs[0], inputs[1], Tensor());
  for (std::size_t i = 2; i < inputs.size(); ++i) combine(y, inputs[i], y);
  if (op_ == Op::multiply && context.training) inputs_.assign(inputs.begin(), inputs.end());
  return y;
}

// Add hands every input the gradient it got (the network sums where a value meets another);
// multiply gives input i dy times every other factor.
void ElementwiseVertex::backward_inputs(const Tensor& output_gradient, const LayerContext& context,
                                        std::vector<Tensor>& input_gradients) {
  input_gradients.resize(arity_);
  if (op_ == Op::add) {
    for (Tensor& gradient : input_gradients) gradient = output_gradient;
    return;
  }
  WorkspaceScope outputs = context.outputs();
  for (std::size_t i = 0; i < arity_; ++i) {
    Tensor gradient;
    for (std::size_t j = 0; j < arity_; ++j) {
      if (j == i) continue;
      gradient = gradient.defined() ? kernels::multiply(gradient, inputs_[j], gradient)
                                    : kernels::multiply(output_gradient, inputs_[j]);
    }
    input_gradients[i] = gradient;
  }
  inputs_.clear();
}

Shape MergeVertex::configure_inputs(const std::vector<Shape>& inputs) {
  GYRE_CHECK(!inputs.empty(), InvalidArgumentError, "a 'merge' vertex needs inputs");
  std::int64_t total = 0;
  for (const Shape& shape : inputs) {
    bool same = shape.rank() == inputs[0].rank() && shape.rank() >= 1;
    for (int d = 1; same && d < shape.rank(); ++d) same = shape.dim(d) == inputs[0].dim(d);
    GYRE_CHECK(same, InvalidArgumentError,
               "a 'merge' vertex concatenates along the example's first axis, so its inputs "
               "must agree in every other; got examples of ",
               inputs[0], " and ", shape);
    total += shape.dim(0);
  }
  examples_ = inputs;
  return with_first_axis(inputs[0], total);
}

Tensor MergeVertex::forward_inputs(const std::vector<Tensor>& inputs, const LayerContext& context) {
  const std::int64_t n = inputs[0].shape().dim(0);
  std::int64_t total = 0;
  for (const Shape& example : examples_) total += example.dim(0);
  WorkspaceScope outputs = context.outputs();
  Tensor y = Tensor::empty(with_batch(n, with_first_axis(examples_[0], total)), DType::f32,
                           inputs[0].device());
  std::int64_t at = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    kernels::copy_axis_range(inputs[i], 1, 0, y, at, examples_[i].dim(0));
    at += examples_[i].dim(0);
  }
  return y;
}

void MergeVertex::backward_inputs(const Tensor& output_gradient, const LayerContext& context,
                                  std::vector<Tensor>& input_gradients) {
  input_gradients.resize(examples_.size());
  const std::int64_t n = output_gradient.shape().dim(0);
  WorkspaceScope outputs = context.outputs();
  std::int64_t at = 0;
  for (std::size_t i = 0; i < examples_.size(); ++i) {
    input_gradients[i] =
        Tensor::empty(with_batch(n, examples_[i]), DType::f32, output_gradient.device());
    kernels::copy_axis_range(output_gradient, 1, at, input_gradients[i], 0, examples_[i].dim(0));
    at += examples_[i].dim(0);
  }
}

SubsetVertex::SubsetVertex(std::int64_t from, std::int64_t to) : from_(from), to_(to) {
  GYRE_CHECK(from >= 0 && to >= from, InvalidArgumentError, "a 'subset' vertex needs 0 <= from (",
             from, ") <= to (", to, ")");
}

Shape SubsetVertex::configure(const Shape& input_example) {
  GYRE_CHECK(input_example.rank() >= 1 && to_ < input_example.dim(0), InvalidArgumentError,
             "a 'subset' vertex takes indices ", from_, "..", to_,
             " of the example's first axis, but its input has examples of ", input_example);
  input_example_ = input_example;
  return with_first_axis(input_example, to_ - from_ + 1);
}

Tensor SubsetVertex::forward(const Tensor& input, const LayerContext& context) {
  WorkspaceScope outputs = context.outputs();
  const std::int64_t n = input.shape().dim(0);
  Tensor y = Tensor::empty(with_batch(n, with_first_axis(input_example_, to_ - from_ + 1)),
                           DType::f32, input.device());
  kernels::copy_axis_range(input, 1, from_, y, 0, to_ - from_ + 1);
  return y;
}

Tensor SubsetVertex::backward(const Tensor& output_gradient, const LayerContext& context) {
  if (!context.need_input_gradient) return {};
  WorkspaceScope outputs = context.outputs();
  const std::int64_t n = output_gradient.shape().dim(0);
  Tensor dx = Tensor::empty(with_batch(n, input_example_), DType::f32, output_gradient.device());
  kernels::fill(dx, 0.0);
  kernels::copy_axis_range(output_gradient, 1, 0, dx, from_, to_ - from_ + 1);
  return dx;
}

nlohmann::json SubsetVertex::config() const {
  return {{"type", type()}, {"from", from_}, {"to", to_}};
}

Shape ReshapeVertex::configure(const Shape& input_example) {
  input_example_ = input_example;
  if (example_.rank() == 0) return Shape{input_example.numel()};
  GYRE_CHECK(example_.numel() == input_example.numel(), InvalidArgumentError,
             "a 'reshape' vertex to examples of ", example_, " (", example_.numel(),
             " elements) cannot take examples of ", input_example, " (", input_example.numel(),
             " elements)");
  return example_;
}

// Views: the result shares the input's (or the gradient's) memory.
Tensor ReshapeVertex::forward(const Tensor& input, const LayerContext&) {
  const Shape example = example_.rank() == 0 ? Shape{input_example_.numel()} : example_;
  return input.reshape(with_batch(input.shape().dim(0), example));
}

Tensor ReshapeVertex::backward(const Tensor& output_gradient, const LayerContext& context) {
  if (!context.need_input_gradient) return {};
  return output_gradient.reshape(with_batch(output_gradient.shape().dim(0), input_example_));
}

nlohmann::json ReshapeVertex::config() const {
  if (example_.rank() == 0) return {{"type", type()}};
  return {{"type", type()},
          {"shape", std::vector<std::int64_t>(example_.dims(), example_.dims() + example_.rank())}};
}

void register_vertices(LayerRegistry& registry) {
  registry.add("add", {}, [](const LayerSettings&) {
    return std::make_unique<ElementwiseVertex>(ElementwiseVertex::Op::add);
  });
  registry.add("multiply", {}, [](const LayerSettings&) {
    return std::make_unique<ElementwiseVertex>(ElementwiseVertex::Op::multiply);
  });
  registry.add("merge", {}, [](const LayerSettings&) { return std::make_unique<MergeVertex>(); });
  registry.add("subset", {"from", "to"}, [](const LayerSettings& settings) {
    return std::make_unique<SubsetVertex>(settings.integer("from", 0, true),
                                          settings.integer("to", 0, true));
  });
  registry.add("reshape", {"shape"}, [](const LayerSettings& settings) {
    return std::make_unique<ReshapeVertex>(settings.shape("shape"));
  });
  registry.add("flatten", {},
               [](const LayerSettings&) { return std::make_unique<ReshapeVertex>(Shape()); });
}

}  // namespace gyre::nn
