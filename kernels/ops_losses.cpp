// Losses: scalar (rank-0) tensors holding the batch mean.
#include "kernels/operand_checks.h"
#include "kernels/ops.h"
#include "runtime/error.h"

namespace gyre::kernels {
namespace {
void check_pair(const char* op, const Tensor& predictions, const Tensor& targets) {
  checks::float_operand(op, "predictions", predictions);
  checks::float_operand(op, "targets", targets);
  checks::same_shape(op, "targets", targets, "predictions", predictions);
  checks::same_device(op, "targets", targets, predictions);
  GYRE_CHECK(predictions.numel() > 0, InvalidArgumentError, op, ": predictions ",
             predictions.description(), " are empty");
}
}  // namespace

Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& targets, Tensor& probabilities) {
  const char* op = "softmax_cross_entropy";
  check_pair(op, logits, targets);
  checks::rank(op, "logits", logits, 2);
  probabilities = checks::output(op, "probabilities", probabilities, logits.shape(), DType::f32,
                                 logits.device());
  Tensor loss = Tensor::empty(Shape{}, DType::f32, logits.device());
  const Tensor row_losses =
      Tensor::empty(Shape{logits.shape().dim(0)}, DType::f32, logits.device());
  checks::backend(logits.device())
      .softmax_cross_entropy(checks::f32(logits), checks::f32(targets), checks::f32(probabilities),
                             checks::f32(row_losses), checks::f32(loss), logits.shape().dim(0),
                             logits.shape().dim(1), checks::stream(logits.device()));
  return loss;
}

Tensor softmax_cross_entropy_backward(const Tensor& probabilities, const Tensor& targets,
                                      Tensor dlogits) {
  const char* op = "softmax_cross_entropy_backward";
  check_pair(op, probabilities, targets);
  checks::rank(op, "probabilities", probabilities, 2);
  Tensor result = checks::output(op, "dlogits", dlogits, probabilities.shape(), DType::f32,
                                 probabilities.device());
  checks::backend(probabilities.device())
      .softmax_cross_entropy_backward(checks::f32(probabilities), checks::f32(targets),
                                      checks::f32(result), probabilities.shape().dim(0),
                                      probabilities.shape().dim(1),
                                      checks::stream(probabilities.device()));
  return result;
}

Tensor mse_loss(const Tensor& predictions, const Tensor& targets) {
  check_pair("mse_loss", predictions, targets);
  Tensor loss = Tensor::empty(Shape{}, DType::f32, predictions.device());
  checks::backend(predictions.device())
      .mse(checks::f32(predictions), checks::f32(targets), checks::f32(loss), predictions.numel(),
           checks::stream(predictions.device()));
  return loss;
}

Tensor mse_loss_backward(const Tensor& predictions, const Tensor& targets, Tensor dpredictions) {
  check_pair("mse_loss_backward", predictions, targets);
  Tensor result = checks::output("mse_loss_backward", "dpredictions", dpredictions,
                                 predictions.shape(), DType::f32, predictions.device());
  checks::backend(predictions.device())
      .mse_backward(checks::f32(predictions), checks::f32(targets), checks::f32(result),
                    predictions.numel(), checks::stream(predictions.device()));
  return result;
}

Tensor binary_cross_entropy(const Tensor& predictions, const Tensor& targets) {
  check_pair("binary_cross_entropy", predictions, targets);
  Tensor loss = Tensor::empty(Shape{}, DType::f32, predictions.device());
  checks::backend(predictions.device())
      .binary_cross_entropy(checks::f32(predictions), checks::f32(targets), checks::f32(loss),
                            predictions.numel(), checks::stream(predictions.device()));
  return loss;
}

Tensor binary_cross_entropy_backward(const Tensor& predictions, const Tensor& targets,
                                     Tensor dpredictions) {
  check_pair("binary_cross_entropy_backward", predictions, targets);
  Tensor result = checks::output("binary_cross_entropy_backward", "dpredictions", dpredictions,
                                 predictions.shape(), DType::f32, predictions.device());
  checks::backend(predictions.device())
      .binary_cross_entropy_backward(checks::f32(predictions), checks::f32(targets),
                                     checks::f32(result), predictions.numel(),
                                     checks::stream(predictions.device()));
  return result;
}

}  // namespace gyre::kernels
