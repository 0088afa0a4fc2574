#include "nn/layer.h"

namespace gyre::nn {
namespace {
Tensor view(const Tensor& flat, std::int64_t offset, const Shape& shape) {
  return flat.slice(0, offset, offset + shape.numel()).reshape(shape);
}
}  // namespace

Tensor Layer::parameter(std::int64_t offset, const Shape& shape) const {
  return view(parameters_, offset, shape);
}
Tensor Layer::gradient(std::int64_t offset, const Shape& shape) const {
  return view(gradients_, offset, shape);
}
Tensor Layer::state_view(std::int64_t offset, const Shape& shape) const {
  return view(state_, offset, shape);
}

}  // namespace gyre::nn
