#pragma once
// The kernel backends: one implementation per device type (kernels/cpu/, kernels/cuda/),
// over raw pointers and sizes. The ops of kernels/ops.h validate their tensors, allocate
// outputs and then call exactly one of these. All float data is f32, contiguous, row-major;
// every call runs in `stream`'s order.
#include <cstddef>
#include <cstdint>

#include "kernels/gather_math.h"
#include "kernels/kernel_types.h"
#include "kernels/recurrent_math.h"
#include "runtime/device.h"
#include "runtime/dtype.h"
#include "runtime/stream.h"

namespace gyre::kernels {

/// C = alpha · op(A) · op(B) + beta · C for `batch` matrices at the given strides.
struct GemmArgs {
  bool transpose_a = false, transpose_b = false;
  std::int64_t m = 0, n = 0, k = 0;
  float alpha = 1.0f, beta = 0.0f;
  const float* a = nullptr;
  std::int64_t lda = 0, stride_a = 0;
  const float* b = nullptr;
  std::int64_t ldb = 0, stride_b = 0;
  float* c = nullptr;
  std::int64_t ldc = 0, stride_c = 0;
  std::int64_t batch = 1;
  /// Each row of C gets the same bits whatever m is (kernels/batch_invariance.h; CPU).
  bool row_invariant = false;
};

enum class Optimizer : std::uint8_t { sgd, momentum, nesterov, adam, adamw };

/// One fused update over a flat parameter buffer.
struct OptimizerArgs {
  Optimizer optimizer = Optimizer::sgd;
  float* parameters = nullptr;
  const float* gradients = nullptr;
  float* state_1 = nullptr;  // momentum: velocity; Adam: first moment
  float* state_2 = nullptr;  // Adam: second moment
  std::int64_t count = 0;
  float learning_rate = 0.0f;
  float momentum = 0.0f;  // momentum / nesterov
  float beta_1 = 0.9f, beta_2 = 0.999f, epsilon = 1e-8f;
  float weight_decay = 0.0f;  // AdamW: decoupled
  std::int64_t step = 1;      // Adam: 1-based step for bias correction
  /// When set, Adam's step is read from here (memory of the kernel's device) when the
  /// kernel runs instead of `step`, so that a replayed CUDA graph sees each new step.
  const std::int64_t* step_counter = nullptr;
};

/// A 2-D convolution (NCHW data, OIHW filters), its pooling twin uses the same geometry.
struct ConvGeometry {
  std::int64_t batch = 0, in_channels = 0, height = 0, width = 0;
  std::int64_t out_channels = 0, kernel_h = 0, kernel_w = 0;
  std::int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  /// Images the CPU's im2col convolution puts side by side in one GEMM (its scratch grows
  /// with it); 1 keeps each image's bits independent of the batch (batch invariance).
  std::int64_t images_per_gemm = 1;
  std::int64_t out_height() const { return (height + 2 * pad_h - kernel_h) / stride_h + 1; }
  std::int64_t out_width() const { return (width + 2 * pad_w - kernel_w) / stride_w + 1; }
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual void gemm(const GemmArgs& args, Stream stream) = 0;
  virtual void unary(UnaryOp op, const float* x, float* y, std::int64_t count, Stream stream) = 0;
  /// `channels`: the period of Broadcast::channel (ignored otherwise).
  virtual void binary(BinaryOp op, const float* a, const float* b, float* y, std::int64_t rows,
                      std::int64_t cols, Broadcast broadcast, std::int64_t channels,
                      Stream stream) = 0;
  /// Elementwise activations over `rows × cols`; softmax normalizes each row.
  virtual void activation_forward(Activation activation, float alpha, const float* x, float* y,
                                  std::int64_t rows, std::int64_t cols, Stream stream) = 0;
  virtual void activation_backward(Activation activation, float alpha, const float* x,
                                   const float* y, const float* dy, float* dx, std::int64_t rows,
                                   std::int64_t cols, Stream stream) = 0;

  /// Mean over rows of -Σ t · log softmax(x); writes the row softmax to `probabilities`,
  /// each row's loss to `row_losses` [rows] (scratch from the caller's workspace) and the
  /// mean to the device scalar `loss`.
  virtual void softmax_cross_entropy(const float* logits, const float* targets,
                                     float* probabilities, float* row_losses, float* loss,
                                     std::int64_t rows, std::int64_t cols, Stream stream) = 0;
  /// d loss / d logits = (p − t) / rows.
  virtual void softmax_cross_entropy_backward(const float* probabilities, const float* targets,
                                              float* dlogits, std::int64_t rows, std::int64_t cols,
                                              Stream stream) = 0;
  /// Mean squared error over all `count` elements, into the device scalar `loss`.
  virtual void mse(const float* predictions, const float* targets, float* loss, std::int64_t count,
                   Stream stream) = 0;
  virtual void mse_backward(const float* predictions, const float* targets, float* dpredictions,
                            std::int64_t count, Stream stream) = 0;
  /// Mean binary cross-entropy of probabilities (clamped to [1e-7, 1 − 1e-7]).
  virtual void binary_cross_entropy(const float* predictions, const float* targets, float* loss,
                                    std::int64_t count, Stream stream) = 0;
  virtual void binary_cross_entropy_backward(const float* predictions, const float* targets,
                                             float* dpredictions, std::int64_t count,
                                             Stream stream) = 0;

  /// Reduces the middle axis of x seen as [outer, axis, inner] into y [outer, inner].
  virtual void reduce(Reduction reduction, const float* x, float* y, std::int64_t outer,
                      std::int64_t axis, std::int64_t inner, Stream stream) = 0;
  virtual void argmax(const float* x, std::int64_t* y, std::int64_t outer, std::int64_t axis,
                      std::int64_t inner, Stream stream) = 0;

  /// y = x · keep / (1 − p), keep = uniform(seed, offset + i) ≥ p (Philox). With
  /// `iteration` (memory of the kernel's device), the key is philox::iteration_key(seed,
  /// *iteration), read when the kernel runs (graph-capturable).
  virtual void dropout(const float* x, float* y, std::int64_t count, float p, std::uint64_t seed,
                       std::uint64_t offset, const std::int64_t* iteration, Stream stream) = 0;
  /// uniform: U[a, b); normal: N(a, b²); element i draws from (seed, i).
  virtual void fill_random(Distribution distribution, float* y, std::int64_t count, float a,
                           float b, std::uint64_t seed, Stream stream) = 0;
  virtual void optimizer_update(const OptimizerArgs& args, Stream stream) = 0;
  /// *counter += 1 in stream order (a step counter that a captured graph advances).
  virtual void increment(std::int64_t* counter, Stream stream) = 0;

  virtual void cast(const void* x, DType from, void* y, DType to, std::int64_t count,
                    Stream stream) = 0;
  virtual void fill(void* y, DType dtype, std::int64_t count, double value, Stream stream) = 0;
  /// `rows` rows of `row_bytes` each from x (rows `x_pitch` bytes apart) to y (`y_pitch`
  /// apart): a slice along an axis, or one part of a concatenation.
  virtual void copy_rows(const void* x, std::size_t x_pitch, void* y, std::size_t y_pitch,
                         std::size_t row_bytes, std::int64_t rows, Stream stream) = 0;
  /// y[r, :] = table[indices[r], :] for r < count (table [rows, width]); an index that is
  /// not an integer in [0, rows) gives a zero row (kernels/gather_math.h).
  virtual void gather_rows(const float* table, std::int64_t rows, std::int64_t width,
                           const float* indices, std::int64_t count, float* y, Stream stream) = 0;
  /// table_gradient[indices[r], :] += dy[r, :] (invalid indices are skipped).
  virtual void scatter_add_rows(const float* dy, const float* indices, std::int64_t count,
                                std::int64_t width, float* table_gradient, std::int64_t rows,
                                Stream stream) = 0;

  /// One LSTM step (kernels/recurrent_math.h): forward, and its backward.
  virtual void lstm_cell_forward(const LstmCellArgs& args, Stream stream) = 0;
  virtual void lstm_cell_backward(const LstmCellArgs& args, Stream stream) = 0;
  /// One GRU step (kernels/recurrent_math.h): forward, and its backward.
  virtual void gru_cell_forward(const GruCellArgs& args, Stream stream) = 0;
  virtual void gru_cell_backward(const GruCellArgs& args, Stream stream) = 0;

  /// Convolution forward, backward-data and backward-filter. `scratch` (of
  /// convolution_scratch_bytes()) is taken from the caller's workspace.
  virtual std::size_t convolution_scratch_bytes(const ConvGeometry& geometry, Stream stream) = 0;
  virtual void convolution_forward(const ConvGeometry& geometry, const float* x, const float* w,
                                   float* y, void* scratch, Stream stream) = 0;
  virtual void convolution_backward_data(const ConvGeometry& geometry, const float* w,
                                         const float* dy, float* dx, void* scratch,
                                         Stream stream) = 0;
  virtual void convolution_backward_filter(const ConvGeometry& geometry, const float* x,
                                           const float* dy, float* dw, void* scratch,
                                           Stream stream) = 0;
  /// Pooling over windows of geometry.kernel_h × kernel_w (out_channels == in_channels).
  virtual void pooling_forward(Pooling pooling, const ConvGeometry& geometry, const float* x,
                               float* y, Stream stream) = 0;
  virtual void pooling_backward(Pooling pooling, const ConvGeometry& geometry, const float* x,
                                const float* y, const float* dy, float* dx, Stream stream) = 0;

  /// Batch normalization over N (and H, W) per channel: x seen as [outer, channels, inner].
  /// Training: batch statistics, saved mean and inverse std, running averages updated with
  /// `momentum`. Inference: the running statistics.
  virtual void batch_norm_forward(bool training, const float* x, const float* gamma,
                                  const float* beta, float* running_mean, float* running_variance,
                                  float* saved_mean, float* saved_inverse_std, float* y,
                                  std::int64_t outer, std::int64_t channels, std::int64_t inner,
                                  float momentum, float epsilon, Stream stream) = 0;
  virtual void batch_norm_backward(const float* x, const float* gamma, const float* saved_mean,
                                   const float* saved_inverse_std, const float* dy, float* dx,
                                   float* dgamma, float* dbeta, std::int64_t outer,
                                   std::int64_t channels, std::int64_t inner, float epsilon,
                                   Stream stream) = 0;
};

/// The backend for a device type (the CUDA one throws NotAvailableError without CUDA).
Backend& backend_for(Device device);
Backend& cpu_backend();
/// The simulated device's: the CPU backend's kernels on sim streams (kernels/sim/).
Backend& sim_backend();
Backend& cuda_backend_instance();

}  // namespace gyre::kernels
