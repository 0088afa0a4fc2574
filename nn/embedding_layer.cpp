#include "nn/embedding_layer.h"

#include "kernels/ops.h"
#include "nn/layer_registry.h"
#include "runtime/error.h"

namespace gyre::nn {

EmbeddingLayer::EmbeddingLayer(std::int64_t vocabulary, std::int64_t units)
    : vocabulary_(vocabulary), units_(units) {
  // Ids travel as f32, which holds every integer up to 2^24 exactly.
  GYRE_CHECK(vocabulary > 0 && vocabulary <= (std::int64_t{1} << 24) && units > 0,
             InvalidArgumentError, "embedding layer: vocabulary ", vocabulary, " and units ", units,
             " must be > 0, and the vocabulary at most 2^24 (ids are f32)");
}

Shape EmbeddingLayer::configure(const Shape& input_example) {
  sequence_ = input_example.rank() == 2;
  GYRE_CHECK(input_example == Shape({1}) || (sequence_ && input_example.dim(1) == 1),
             InvalidArgumentError, "embedding layer: takes one id per example [1] or a time ",
             "series of ids [T, 1], got ", input_example);
  return sequence_ ? Shape{input_example.dim(0), units_} : Shape{units_};
}

void EmbeddingLayer::initialize(std::uint64_t seed) {
  kernels::fill_normal(parameters_, 0.0f, 1.0f, seed);
}

Tensor EmbeddingLayer::forward(const Tensor& input, const LayerContext& context) {
  const Shape& shape = input.shape();
  const bool fits =
      sequence_ ? shape.rank() == 3 && shape.dim(2) == 1 : shape.rank() == 2 && shape.dim(1) == 1;
  GYRE_CHECK(fits, InvalidArgumentError, "embedding layer ", context.layer_index, ": input ",
             input.description(), " must be ", sequence_ ? "[N, T, 1]" : "[N, 1]",
             " (one id per example or step)");
  ids_ = sequence_ ? input.reshape({shape.dim(0), shape.dim(1)}) : input.reshape({shape.dim(0)});
  WorkspaceScope outputs = context.outputs();
  return kernels::gather_rows(parameter(0, Shape{vocabulary_, units_}), ids_);
}

Tensor EmbeddingLayer::backward(const Tensor& output_gradient, const LayerContext& context) {
  kernels::scatter_add_rows(output_gradient, ids_, gradient(0, Shape{vocabulary_, units_}));
  if (!context.need_input_gradient) return {};
  WorkspaceScope outputs = context.outputs();
  Tensor zeros = Tensor::empty(sequence_ ? Shape({ids_.shape().dim(0), ids_.shape().dim(1), 1})
                                         : Shape({ids_.shape().dim(0), 1}),
                               DType::f32, output_gradient.device());
  kernels::fill(zeros, 0.0);
  return zeros;
}

nlohmann::json EmbeddingLayer::config() const {
  return {{"type", type()}, {"vocabulary", vocabulary_}, {"units", units_}};
}

void register_embedding_layer(LayerRegistry& registry) {
  registry.add("embedding", {"vocabulary", "units"}, [](const LayerSettings& settings) {
    return std::make_unique<EmbeddingLayer>(settings.integer("vocabulary", 0, true),
                                            settings.integer("units", 0, true));
  });
}

}  // namespace gyre::nn
