#pragma once
// The ops networks are made of: free functions over Tensors (MLX's ops.h idea). Every op
// validates its operands (shape, dtype, device, workspace validity) and raises
// gyre::Error naming them; takes its output from the active workspace (Tensor::empty)
// unless `out` is given; and runs on the calling thread's current stream of the operands'
// device. Float data is f32; tensors are contiguous unless an op says otherwise.
#include <cstdint>

#include "kernels/kernel_types.h"
#include "runtime/tensor.h"

namespace gyre::kernels {

/// "Use the activation's default parameter" (0.01 for leaky ReLU, 1 for ELU).
inline constexpr float kDefaultAlpha = __builtin_nanf("");

// ---- linear algebra --------------------------------------------------------------------

/// out = alpha · op(a) · op(b) + beta · out, for 2-D a and b (op = transpose when asked).
/// With beta != 0, `out` must be given.
Tensor gemm(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false,
            float alpha = 1.0f, float beta = 0.0f, Tensor out = {});
/// The same over a batch: a [B, M, K], b [B, K, N] (before the transposes) -> [B, M, N].
Tensor gemm_batched(const Tensor& a, const Tensor& b, bool transpose_a = false,
                    bool transpose_b = false, float alpha = 1.0f, float beta = 0.0f,
                    Tensor out = {});
/// x + bias, bias [features] added to every row of x [..., features].
Tensor bias_add(const Tensor& x, const Tensor& bias, Tensor out = {});
/// x + bias per channel: bias [C] added over x [N, C, ...] (a convolution's bias).
Tensor channel_bias_add(const Tensor& x, const Tensor& bias, Tensor out = {});
/// The gradient of a channel bias: dy [N, C, ...] summed over all but axis 1, into [C].
Tensor channel_sum(const Tensor& dy, Tensor out = {});

// ---- elementwise ------------------------------------------------------------------------

Tensor unary(UnaryOp op, const Tensor& x, Tensor out = {});
/// a ∘ b where b has a's shape, or is a row [cols] / [1, cols] repeated over a's rows, or a
/// column [rows, 1] repeated over its columns (a seen as [rows, cols], cols its last axis).
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor out = {});
Tensor add(const Tensor& a, const Tensor& b, Tensor out = {});
Tensor multiply(const Tensor& a, const Tensor& b, Tensor out = {});

/// y = f(x). Softmax normalizes each row (the last axis). alpha: leaky ReLU's slope, ELU's
/// alpha (NaN: the default of the activation).
Tensor activation_forward(Activation activation, const Tensor& x, float alpha = kDefaultAlpha,
                          Tensor out = {});
/// dx = dy · f'(x), given x and y = f(x).
Tensor activation_backward(Activation activation, const Tensor& x, const Tensor& y,
                           const Tensor& dy, float alpha = kDefaultAlpha, Tensor dx = {});

// ---- losses (a scalar tensor, the mean over the batch) ---------------------------------

/// Softmax + cross-entropy over rows of logits [N, C] against targets [N, C] (one-hot or
/// probabilities). Writes softmax(logits) into `probabilities` (allocated when not given),
/// which the backward pass takes.
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& targets, Tensor& probabilities);
Tensor softmax_cross_entropy_backward(const Tensor& probabilities, const Tensor& targets,
                                      Tensor dlogits = {});
Tensor mse_loss(const Tensor& predictions, const Tensor& targets);
Tensor mse_loss_backward(const Tensor& predictions, const Tensor& targets,
                         Tensor dpredictions = {});
/// Binary cross-entropy of probabilities in (0, 1) (clamped to [1e-7, 1 − 1e-7]).
Tensor binary_cross_entropy(const Tensor& predictions, const Tensor& targets);
Tensor binary_cross_entropy_backward(const Tensor& predictions, const Tensor& targets,
                                     Tensor dpredictions = {});

// ---- reductions ------------------------------------------------------------------------

/// Sum, mean or max over `axis` (negative counts from the end); the axis is dropped, or kept
/// with size 1.
Tensor reduce(Reduction reduction, const Tensor& x, int axis, bool keep_dims = false,
              Tensor out = {});
/// Index (i64) of the first maximum along `axis`.
Tensor argmax(const Tensor& x, int axis, Tensor out = {});

// ---- randomness ------------------------------------------------------------------------

/// Inverted dropout: each element is kept with probability 1 − p and scaled by 1 / (1 − p).
/// The mask of element i is drawn from (seed, offset + i) by Philox, the same on every
/// device. Backward is the same call on dy with the same seed and offset.
Tensor dropout(const Tensor& x, float p, std::uint64_t seed, std::uint64_t offset = 0,
               Tensor out = {});
/// Dropout with the key philox::iteration_key(seed, iteration), where `iteration` is an i64
/// scalar on x's device read when the kernel runs: a replayed CUDA graph draws each
/// iteration's mask. The same mask as dropout(x, p, iteration_key(seed, value)).
Tensor dropout(const Tensor& x, float p, std::uint64_t seed, const Tensor& iteration,
               Tensor out = {});
void fill_uniform(const Tensor& tensor, float low, float high, std::uint64_t seed);
void fill_normal(const Tensor& tensor, float mean, float standard_deviation, std::uint64_t seed);
/// Glorot/Xavier uniform: U(±sqrt(6 / (fan_in + fan_out))).
void xavier_uniform(const Tensor& tensor, std::int64_t fan_in, std::int64_t fan_out,
                    std::uint64_t seed);
/// He/Kaiming normal: N(0, 2 / fan_in).
void he_normal(const Tensor& tensor, std::int64_t fan_in, std::uint64_t seed);

// ---- optimizers: one fused update over flat f32 buffers of equal size -------------------

void sgd_update(const Tensor& parameters, const Tensor& gradients, float learning_rate);
void momentum_update(const Tensor& parameters, const Tensor& gradients, const Tensor& velocity,
                     float learning_rate, float momentum, bool nesterov = false);
/// Adam (weight_decay = 0) or AdamW (decoupled weight decay); `step` counts from 1.
void adam_update(const Tensor& parameters, const Tensor& gradients, const Tensor& first_moment,
                 const Tensor& second_moment, float learning_rate, std::int64_t step,
                 float beta_1 = 0.9f, float beta_2 = 0.999f, float epsilon = 1e-8f,
                 float weight_decay = 0.0f);
/// The same, with the step read from `step` (an i64 scalar on the parameters' device, ≥ 1)
/// when the kernel runs, so that a replayed CUDA graph takes each new step.
void adam_update(const Tensor& parameters, const Tensor& gradients, const Tensor& first_moment,
                 const Tensor& second_moment, float learning_rate, const Tensor& step,
                 float beta_1 = 0.9f, float beta_2 = 0.999f, float epsilon = 1e-8f,
                 float weight_decay = 0.0f);
/// counter += 1 (an i64 scalar), in stream order on its device.
void increment(const Tensor& counter);

// ---- copies ----------------------------------------------------------------------------

/// A copy on `device` (asynchronous from pinned host memory, in stream order).
Tensor copy_to(const Tensor& x, Device device, Tensor out = {});
Tensor cast(const Tensor& x, DType dtype, Tensor out = {});
void fill(const Tensor& tensor, double value);
/// Copies indices [x_begin, x_begin + count) of `axis` of x into [y_begin, y_begin + count)
/// of the same axis of y (contiguous, same dtype and device, equal in every other
/// dimension): concatenation and slicing along an axis are made of it.
void copy_axis_range(const Tensor& x, int axis, std::int64_t x_begin, const Tensor& y,
                     std::int64_t y_begin, std::int64_t count);
/// y[b, a, y_begin + c] = x[a, b, x_begin + c] for c < count: x [A, B, Cx] into y [B, A, Cy]
/// (contiguous, same dtype and device): batch-major sequences to time-major and back.
void transpose_01(const Tensor& x, std::int64_t x_begin, const Tensor& y, std::int64_t y_begin,
                  std::int64_t count);
/// Embedding lookup: y [R..., D] with y[r, :] = table[indices[r], :], for indices [R...]
/// (f32 holding integers; R... any shape) and table [V, D]. On the CPU an index that is not
/// an integer in [0, V) is an InvalidArgumentError naming it; on a device it gives a zero row.
Tensor gather_rows(const Tensor& table, const Tensor& indices);
/// Its backward: table_gradient [V, D] is zeroed, then row indices[r] gets dy[r, :] added.
void scatter_add_rows(const Tensor& dy, const Tensor& indices, const Tensor& table_gradient);
// ---- recurrent cells ---------------------------------------------------------------------
/// One LSTM step (gate order i, f, g, o): gates [N, 4H] hold the pre-activations and get
/// their activations (which the backward step reads); c_prev [N, H] (undefined: zeros);
/// writes c and h [N, H]. `mask` [N, T] (undefined: none) zeroes c and h of the rows whose
/// column `step` is 0 (padding).
void lstm_cell_forward(const Tensor& gates, const Tensor& c_prev, const Tensor& c, const Tensor& h,
                       const Tensor& mask, std::int64_t step);
/// Its backward: dh [N, H] is the step's whole output gradient, dc [N, H] comes in from the
/// next step and leaves for the previous one; writes dz [N, 4H], the pre-activations' gradient.
void lstm_cell_backward(const Tensor& gates, const Tensor& c_prev, const Tensor& c,
                        const Tensor& dh, const Tensor& dc, const Tensor& dz, const Tensor& mask,
                        std::int64_t step);
/// One GRU step (PyTorch's form, gate order r, z, n): gates [N, 3H] hold x·W + b and get the
/// activations r, z, n (which the backward step reads); hidden_gates [N, 3H] hold
/// h_prev·RW + rb; h_prev [N, H] (undefined: zeros); writes h [N, H]. `mask` as for the LSTM.
void gru_cell_forward(const Tensor& gates, const Tensor& hidden_gates, const Tensor& h_prev,
                      const Tensor& h, const Tensor& mask, std::int64_t step);
/// Its backward: dh [N, H] is the step's whole output gradient; writes d_gates and
/// d_hidden_gates [N, 3H] (the gradients of x·W + b and of h_prev·RW + rb) and, when
/// defined, dh_prev [N, H]: the part of h_prev's gradient that does not pass through RW.
void gru_cell_backward(const Tensor& gates, const Tensor& hidden_gates, const Tensor& h_prev,
                       const Tensor& dh, const Tensor& d_gates, const Tensor& d_hidden_gates,
                       const Tensor& dh_prev, const Tensor& mask, std::int64_t step);

// ---- convolution, pooling, normalization (NCHW) -----------------------------------------

struct Conv2dOptions {
  std::int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
};
/// x [N, C, H, W], w [O, C, KH, KW] -> [N, O, OH, OW]. The scratch memory the backend asks
/// for (im2col columns, cuDNN workspace) comes from the active workspace.
Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Conv2dOptions& options = {},
                      Tensor out = {});
Tensor conv2d_backward_data(const Tensor& w, const Tensor& dy, const Shape& x_shape,
                            const Conv2dOptions& options = {}, Tensor dx = {});
Tensor conv2d_backward_filter(const Tensor& x, const Tensor& dy, const Shape& w_shape,
                              const Conv2dOptions& options = {}, Tensor dw = {});

struct Pool2dOptions {
  std::int64_t kernel_h = 2, kernel_w = 2, stride_h = 2, stride_w = 2, pad_h = 0, pad_w = 0;
};
/// Max or average pooling; averages count only the elements inside the image.
Tensor pool2d_forward(Pooling pooling, const Tensor& x, const Pool2dOptions& options = {},
                      Tensor out = {});
Tensor pool2d_backward(Pooling pooling, const Tensor& x, const Tensor& y, const Tensor& dy,
                       const Pool2dOptions& options = {}, Tensor dx = {});

/// Batch normalization per channel (axis 1 of [N, C] or [N, C, H, W]). Training uses and
/// saves the batch statistics and updates the running ones; inference uses the running ones.
struct BatchNormState {
  Tensor gamma, beta;                     // [C] parameters
  Tensor running_mean, running_variance;  // [C]
  Tensor saved_mean, saved_inverse_std;   // [C], written in training
  float momentum = 0.1f, epsilon = 1e-5f;
};
Tensor batch_norm_forward(const Tensor& x, BatchNormState& state, bool training, Tensor out = {});
/// Writes dgamma and dbeta ([C]) and returns dx.
Tensor batch_norm_backward(const Tensor& x, const Tensor& dy, const BatchNormState& state,
                           const Tensor& dgamma, const Tensor& dbeta, Tensor dx = {});

}  // namespace gyre::kernels
