#include "nn/vertices.h"

#include "kernels/ops.h"
#include "nn/layer_registry.h"
#include "runtime/error.h"

namespace gyre::nn {
namespace {

// The axis merge and subset work on, in the example: the features of a time series [T, C]
// (its last axis, as DL4J merges an RNN's features), the first otherwise (features, or
// channels of [C, H, W]). A batch's axis is one more.
int feature_axis(const Shape& example) {
  return example.rank() == 2 ? 1 : 0;
}

// [n, example...]
Shape with_batch(std::int64_t n, const Shape& example) {
  std::int64_t dims[Shape::kMaxRank];
  dims[0] = n;
  for (int i = 0; i < example.rank(); ++i) dims[i + 1] = example.dim(i);
  return Shape(dims, example.rank() + 1);
}

// `shape` with axis `axis` set to `size`.
Shape with_axis(const Shape& shape, int axis, std::int64_t size) {
  std::int64_t dims[Shape::kMaxRank];
  for (int i = 0; i < shape.rank(); ++i) dims[i] = shape.dim(i);
  dims[axis] = size;
  return Shape(dims, shape.rank());
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
  GYRE_CHECK(!inputs.empty() && inputs[0].rank() >= 1, InvalidArgumentError,
             "a 'merge' vertex needs inputs of examples with at least one axis");
  axis_ = feature_axis(inputs[0]);
  sizes_.clear();
  std::int64_t total = 0;
  for (const Shape& shape : inputs) {
    bool same = shape.rank() == inputs[0].rank();
    for (int d = 0; same && d < shape.rank(); ++d)
      same = d == axis_ || shape.dim(d) == inputs[0].dim(d);
    GYRE_CHECK(same, InvalidArgumentError, "a 'merge' vertex concatenates along the example's ",
               axis_ == 0 ? "first axis" : "features (the last axis of a time series)",
               ", so its inputs must agree in every other; got examples of ", inputs[0], " and ",
               shape);
    sizes_.push_back(shape.dim(axis_));
    total += shape.dim(axis_);
  }
  return with_axis(inputs[0], axis_, total);
}

// Shapes come from the batch (a time series' steps vary), the sizes along the axis from
// the config.
Tensor MergeVertex::forward_inputs(const std::vector<Tensor>& inputs, const LayerContext& context) {
  std::int64_t total = 0;
  for (std::int64_t size : sizes_) total += size;
  WorkspaceScope outputs = context.outputs();
  Tensor y =
      Tensor::empty(with_axis(inputs[0].shape(), axis_ + 1, total), DType::f32, inputs[0].device());
  std::int64_t at = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    kernels::copy_axis_range(inputs[i], axis_ + 1, 0, y, at, sizes_[i]);
    at += sizes_[i];
  }
  return y;
}

void MergeVertex::backward_inputs(const Tensor& output_gradient, const LayerContext& context,
                                  std::vector<Tensor>& input_gradients) {
  input_gradients.resize(sizes_.size());
  WorkspaceScope outputs = context.outputs();
  std::int64_t at = 0;
  for (std::size_t i = 0; i < sizes_.size(); ++i) {
    input_gradients[i] = Tensor::empty(with_axis(output_gradient.shape(), axis_ + 1, sizes_[i]),
                                       DType::f32, output_gradient.device());
    kernels::copy_axis_range(output_gradient, axis_ + 1, at, input_gradients[i], 0, sizes_[i]);
    at += sizes_[i];
  }
}

Shape DuplicateToTimeSeriesVertex::configure_inputs(const std::vector<Shape>& inputs) {
  GYRE_CHECK(inputs[0].rank() == 1 && inputs[1].rank() == 2, InvalidArgumentError,
             "a 'duplicate_to_time_series' vertex takes examples [C] and a reference time series "
             "[T, *], got ",
             inputs[0], " and ", inputs[1]);
  return Shape{inputs[1].dim(0), inputs[0].dim(0)};
}

// y = ones [N, T, 1] · x [N, 1, C]: a batched product, the same ops on every device.
Tensor DuplicateToTimeSeriesVertex::forward_inputs(const std::vector<Tensor>& inputs,
                                                   const LayerContext& context) {
  const Tensor& x = inputs[0];
  reference_shape_ = inputs[1].shape();
  GYRE_CHECK(x.shape().rank() == 2 && reference_shape_.rank() == 3 &&
                 reference_shape_.dim(0) == x.shape().dim(0),
             InvalidArgumentError, "duplicate_to_time_series ", context.layer_index, ": inputs ",
             x.description(), " and ", inputs[1].description(), " must be [N, C] and [N, T, *]");
  const std::int64_t n = x.shape().dim(0), steps = reference_shape_.dim(1);
  const std::int64_t channels = x.shape().dim(1);
  Tensor y;
  {
    WorkspaceScope outputs = context.outputs();
    y = Tensor::empty({n, steps, channels}, DType::f32, x.device());
  }
  WorkspaceScope working = context.working();
  const Tensor ones = Tensor::empty({n, steps, 1}, DType::f32, x.device());
  kernels::fill(ones, 1.0);
  kernels::gemm_batched(ones, x.reshape({n, 1, channels}), false, false, 1.0f, 0.0f, y);
  return y;
}

// dx = the sum of dy over the steps; the reference gets zeros.
void DuplicateToTimeSeriesVertex::backward_inputs(const Tensor& output_gradient,
                                                  const LayerContext& context,
                                                  std::vector<Tensor>& input_gradients) {
  input_gradients.resize(2);
  if (!context.need_input_gradient) return;
  WorkspaceScope outputs = context.outputs();
  input_gradients[0] = kernels::reduce(kernels::Reduction::sum, output_gradient, 1);
  input_gradients[1] = Tensor::empty(reference_shape_, DType::f32, output_gradient.device());
  kernels::fill(input_gradients[1], 0.0);
}

SubsetVertex::SubsetVertex(std::int64_t from, std::int64_t to) : from_(from), to_(to) {
  GYRE_CHECK(from >= 0 && to >= from, InvalidArgumentError, "a 'subset' vertex needs 0 <= from (",
             from, ") <= to (", to, ")");
}

Shape SubsetVertex::configure(const Shape& input_example) {
  axis_ = input_example.rank() >= 1 ? feature_axis(input_example) : 0;
  GYRE_CHECK(input_example.rank() >= 1 && to_ < input_example.dim(axis_), InvalidArgumentError,
             "a 'subset' vertex takes indices ", from_, "..", to_, " of the example's ",
             axis_ == 0 ? "first axis" : "features (the last axis of a time series)",
             ", but its input has examples of ", input_example);
  input_size_ = input_example.dim(axis_);
  return with_axis(input_example, axis_, to_ - from_ + 1);
}

Tensor SubsetVertex::forward(const Tensor& input, const LayerContext& context) {
  WorkspaceScope outputs = context.outputs();
  Tensor y = Tensor::empty(with_axis(input.shape(), axis_ + 1, to_ - from_ + 1), DType::f32,
                           input.device());
  kernels::copy_axis_range(input, axis_ + 1, from_, y, 0, to_ - from_ + 1);
  return y;
}

Tensor SubsetVertex::backward(const Tensor& output_gradient, const LayerContext& context) {
  if (!context.need_input_gradient) return {};
  WorkspaceScope outputs = context.outputs();
  Tensor dx = Tensor::empty(with_axis(output_gradient.shape(), axis_ + 1, input_size_), DType::f32,
                            output_gradient.device());
  kernels::fill(dx, 0.0);
  kernels::copy_axis_range(output_gradient, axis_ + 1, 0, dx, from_, to_ - from_ + 1);
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
  registry.add("duplicate_to_time_series", {}, [](const LayerSettings&) {
    return std::make_unique<DuplicateToTimeSeriesVertex>();
  });
}

}  // namespace gyre::nn
