#pragma once
// "embedding": token ids to learned vectors (PyTorch's nn.Embedding; DL4J's EmbeddingLayer
// and EmbeddingSequenceLayer). Ids are f32 holding integers in [0, vocabulary). Examples are
// either one id [1] -> [units], or a time series of ids [T, 1] -> [T, units] (T nominal, a
// batch may have any number of steps; its feature mask passes on unchanged).
#include "nn/layer.h"

namespace gyre::nn {

class EmbeddingLayer final : public Layer {
 public:
  EmbeddingLayer(std::int64_t vocabulary, std::int64_t units);
  std::string type() const override { return "embedding"; }
  Shape configure(const Shape& input_example) override;
  std::int64_t parameter_count() const override { return vocabulary_ * units_; }
  std::vector<NamedParameter> parameter_layout() const override {
    return {{"W", Shape{vocabulary_, units_}, 0}};
  }
  /// PyTorch's initialisation: N(0, 1).
  void initialize(std::uint64_t seed) override;
  Tensor forward(const Tensor& input, const LayerContext& context) override;
  /// Ids have no gradient: d loss / d input is zero.
  Tensor backward(const Tensor& output_gradient, const LayerContext& context) override;
  nlohmann::json config() const override;

 private:
  std::int64_t vocabulary_, units_;
  bool sequence_ = false;
  Tensor ids_;  // the pass's input, [N] or [N, T]
};

}  // namespace gyre::nn
