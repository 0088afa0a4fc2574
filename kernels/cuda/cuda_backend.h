#pragma once
// The CUDA backend: cuBLAS for GEMM, cuDNN for convolution, pooling and batch norm, own
// kernels for the rest (the same formulas as the CPU backend, from elementwise_math.h,
// optimizer_math.h and philox.h). Every call runs on the given stream and never
// synchronizes the device.
#include "kernels/backend.h"

namespace gyre::kernels {

class CudaBackend final : public Backend {
 public:
  void gemm(const GemmArgs& args, Stream stream) override;
  void unary(UnaryOp op, const float* x, float* y, std::int64_t count, Stream stream) override;
  void binary(BinaryOp op, const float* a, const float* b, float* y, std::int64_t rows,
              std::int64_t cols, Broadcast broadcast, std::int64_t channels,
              Stream stream) override;
  void activation_forward(Activation activation, float alpha, const float* x, float* y,
                          std::int64_t rows, std::int64_t cols, Stream stream) override;
  void activation_backward(Activation activation, float alpha, const float* x, const float* y,
                           const float* dy, float* dx, std::int64_t rows, std::int64_t cols,
                           Stream stream) override;
  void softmax_cross_entropy(const float* logits, const float* targets, float* probabilities,
                             float* row_losses, float* loss, std::int64_t rows, std::int64_t cols,
                             Stream stream) override;
  void softmax_cross_entropy_backward(const float* probabilities, const float* targets,
                                      float* dlogits, std::int64_t rows, std::int64_t cols,
                                      Stream stream) override;
  void mse(const float* predictions, const float* targets, float* loss, std::int64_t count,
           Stream stream) override;
  void mse_backward(const float* predictions, const float* targets, float* dpredictions,
                    std::int64_t count, Stream stream) override;
  void binary_cross_entropy(const float* predictions, const float* targets, float* loss,
                            std::int64_t count, Stream stream) override;
  void binary_cross_entropy_backward(const float* predictions, const float* targets,
                                     float* dpredictions, std::int64_t count,
                                     Stream stream) override;
  void reduce(Reduction reduction, const float* x, float* y, std::int64_t outer, std::int64_t axis,
              std::int64_t inner, Stream stream) override;
  void argmax(const float* x, std::int64_t* y, std::int64_t outer, std::int64_t axis,
              std::int64_t inner, Stream stream) override;
  void dropout(const float* x, float* y, std::int64_t count, float p, std::uint64_t seed,
               std::uint64_t offset, const std::int64_t* iteration, Stream stream) override;
  void fill_random(Distribution distribution, float* y, std::int64_t count, float a, float b,
                   std::uint64_t seed, Stream stream) override;
  void optimizer_update(const OptimizerArgs& args, Stream stream) override;
  void increment(std::int64_t* counter, Stream stream) override;
  void cast(const void* x, DType from, void* y, DType to, std::int64_t count,
            Stream stream) override;
  void fill(void* y, DType dtype, std::int64_t count, double value, Stream stream) override;
  void copy_rows(const void* x, std::size_t x_pitch, void* y, std::size_t y_pitch,
                 std::size_t row_bytes, std::int64_t rows, Stream stream) override;
  void gather_rows(const float* table, std::int64_t rows, std::int64_t width, const float* indices,
                   std::int64_t count, float* y, Stream stream) override;
  void scatter_add_rows(const float* dy, const float* indices, std::int64_t count,
                        std::int64_t width, float* table_gradient, std::int64_t rows,
                        Stream stream) override;
  void lstm_cell_forward(const LstmCellArgs& args, Stream stream) override;
  void lstm_cell_backward(const LstmCellArgs& args, Stream stream) override;
  void gru_cell_forward(const GruCellArgs& args, Stream stream) override;
  void gru_cell_backward(const GruCellArgs& args, Stream stream) override;
  std::size_t convolution_scratch_bytes(const ConvGeometry& geometry, Stream stream) override;
  void convolution_forward(const ConvGeometry& geometry, const float* x, const float* w, float* y,
                           void* scratch, Stream stream) override;
  void convolution_backward_data(const ConvGeometry& geometry, const float* w, const float* dy,
                                 float* dx, void* scratch, Stream stream) override;
  void convolution_backward_filter(const ConvGeometry& geometry, const float* x, const float* dy,
                                   float* dw, void* scratch, Stream stream) override;
  void pooling_forward(Pooling pooling, const ConvGeometry& geometry, const float* x, float* y,
                       Stream stream) override;
  void pooling_backward(Pooling pooling, const ConvGeometry& geometry, const float* x,
                        const float* y, const float* dy, float* dx, Stream stream) override;
  void batch_norm_forward(bool training, const float* x, const float* gamma, const float* beta,
                          float* running_mean, float* running_variance, float* saved_mean,
                          float* saved_inverse_std, float* y, std::int64_t outer,
                          std::int64_t channels, std::int64_t inner, float momentum, float epsilon,
                          Stream stream) override;
  void batch_norm_backward(const float* x, const float* gamma, const float* saved_mean,
                           const float* saved_inverse_std, const float* dy, float* dx,
                           float* dgamma, float* dbeta, std::int64_t outer, std::int64_t channels,
                           std::int64_t inner, float epsilon, Stream stream) override;
};

}  // namespace gyre::kernels
