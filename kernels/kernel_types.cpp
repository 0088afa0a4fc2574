#include "kernels/kernel_types.h"

namespace gyre::kernels {

const char* name_of(Activation activation) {
  switch (activation) {
    case Activation::identity:
      return "identity";
    case Activation::relu:
      return "relu";
    case Activation::leaky_relu:
      return "leaky_relu";
    case Activation::elu:
      return "elu";
    case Activation::tanh:
      return "tanh";
    case Activation::sigmoid:
      return "sigmoid";
    case Activation::gelu:
      return "gelu";
    case Activation::softmax:
      return "softmax";
  }
  return "?";
}

const char* name_of(UnaryOp op) {
  switch (op) {
    case UnaryOp::negate:
      return "negate";
    case UnaryOp::exp:
      return "exp";
    case UnaryOp::log:
      return "log";
    case UnaryOp::sqrt:
      return "sqrt";
    case UnaryOp::abs:
      return "abs";
    case UnaryOp::square:
      return "square";
    case UnaryOp::reciprocal:
      return "reciprocal";
  }
  return "?";
}

const char* name_of(BinaryOp op) {
  switch (op) {
    case BinaryOp::add:
      return "add";
    case BinaryOp::subtract:
      return "subtract";
    case BinaryOp::multiply:
      return "multiply";
    case BinaryOp::divide:
      return "divide";
    case BinaryOp::maximum:
      return "maximum";
    case BinaryOp::minimum:
      return "minimum";
  }
  return "?";
}

const char* name_of(Reduction reduction) {
  switch (reduction) {
    case Reduction::sum:
      return "sum";
    case Reduction::mean:
      return "mean";
    case Reduction::max:
      return "max";
  }
  return "?";
}

float default_alpha(Activation activation) {
  if (activation == Activation::leaky_relu) return 0.01f;
  if (activation == Activation::elu) return 1.0f;
  return 0.0f;
}

}  // namespace gyre::kernels
