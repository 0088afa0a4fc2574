#pragma once
// The vocabulary of the ops: which activation, which elementwise operation, which reduction.
#include <cstdint>

namespace gyre::kernels {

enum class Activation : std::uint8_t {
  identity,
  relu,
  leaky_relu,
  elu,
  tanh,
  sigmoid,
  gelu,
  softmax
};
enum class UnaryOp : std::uint8_t { negate, exp, log, sqrt, abs, square, reciprocal };
enum class BinaryOp : std::uint8_t { add, subtract, multiply, divide, maximum, minimum };
enum class Reduction : std::uint8_t { sum, mean, max };
enum class Distribution : std::uint8_t { uniform, normal };
enum class Pooling : std::uint8_t { max, average };

/// How the second operand of a binary op is laid over the first, seen as [rows, cols]:
/// the same shape, one value per column (a [cols] row repeated down), one value per row
/// (a [rows, 1] column repeated across), or one value per channel of an [N, C, ...] tensor
/// seen as [N·C, rest] (row r takes b[r mod C]).
enum class Broadcast : std::uint8_t { none, row, column, channel };

const char* name_of(Activation activation);
const char* name_of(UnaryOp op);
const char* name_of(BinaryOp op);
const char* name_of(Reduction reduction);

/// The default parameter of an activation: 0.01 for leaky ReLU's slope, 1 for ELU's alpha.
float default_alpha(Activation activation);

}  // namespace gyre::kernels
