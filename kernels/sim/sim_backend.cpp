#include "kernels/sim/sim_backend.h"

#include "runtime/sim/sim_accelerator.h"

namespace gyre::kernels {
namespace {
Backend& cpu() {
  return cpu_backend();
}
void launch(Stream stream, std::initializer_list<const void*> pointers,
            std::function<void()> work) {
  sim::SimAccelerator::instance().launch(stream, pointers, std::move(work));
}
}  // namespace

void SimBackend::gemm(const GemmArgs& args, Stream stream) {
  launch(stream, {args.a, args.b, args.c}, [args] { cpu().gemm(args, Stream()); });
}

void SimBackend::unary(UnaryOp op, const float* x, float* y, std::int64_t count, Stream stream) {
  launch(stream, {x, y}, [op, x, y, count] { cpu().unary(op, x, y, count, Stream()); });
}

void SimBackend::binary(BinaryOp op, const float* a, const float* b, float* y, std::int64_t rows,
                        std::int64_t cols, Broadcast broadcast, std::int64_t channels,
                        Stream stream) {
  launch(stream, {a, b, y}, [op, a, b, y, rows, cols, broadcast, channels] {
    cpu().binary(op, a, b, y, rows, cols, broadcast, channels, Stream());
  });
}

void SimBackend::activation_forward(Activation activation, float alpha, const float* x, float* y,
                                    std::int64_t rows, std::int64_t cols, Stream stream) {
  launch(stream, {x, y}, [activation, alpha, x, y, rows, cols] {
    cpu().activation_forward(activation, alpha, x, y, rows, cols, Stream());
  });
}

void SimBackend::activation_backward(Activation activation, float alpha, const float* x,
                                     const float* y, const float* dy, float* dx, std::int64_t rows,
                                     std::int64_t cols, Stream stream) {
  launch(stream, {x, y, dy, dx}, [activation, alpha, x, y, dy, dx, rows, cols] {
    cpu().activation_backward(activation, alpha, x, y, dy, dx, rows, cols, Stream());
  });
}

void SimBackend::softmax_cross_entropy(const float* logits, const float* targets,
                                       float* probabilities, float* row_losses, float* loss,
                                       std::int64_t rows, std::int64_t cols, Stream stream) {
  launch(stream, {logits, targets, probabilities, row_losses, loss},
         [logits, targets, probabilities, row_losses, loss, rows, cols] {
           cpu().softmax_cross_entropy(logits, targets, probabilities, row_losses, loss, rows, cols,
                                       Stream());
         });
}

void SimBackend::softmax_cross_entropy_backward(const float* probabilities, const float* targets,
                                                float* dlogits, std::int64_t rows,
                                                std::int64_t cols, Stream stream) {
  launch(stream, {probabilities, targets, dlogits}, [probabilities, targets, dlogits, rows, cols] {
    cpu().softmax_cross_entropy_backward(probabilities, targets, dlogits, rows, cols, Stream());
  });
}

void SimBackend::mse(const float* predictions, const float* targets, float* loss,
                     std::int64_t count, Stream stream) {
  launch(stream, {predictions, targets, loss}, [predictions, targets, loss, count] {
    cpu().mse(predictions, targets, loss, count, Stream());
  });
}

void SimBackend::mse_backward(const float* predictions, const float* targets, float* dpredictions,
                              std::int64_t count, Stream stream) {
  launch(stream, {predictions, targets, dpredictions}, [predictions, targets, dpredictions, count] {
    cpu().mse_backward(predictions, targets, dpredictions, count, Stream());
  });
}

void SimBackend::binary_cross_entropy(const float* predictions, const float* targets, float* loss,
                                      std::int64_t count, Stream stream) {
  launch(stream, {predictions, targets, loss}, [predictions, targets, loss, count] {
    cpu().binary_cross_entropy(predictions, targets, loss, count, Stream());
  });
}

void SimBackend::binary_cross_entropy_backward(const float* predictions, const float* targets,
                                               float* dpredictions, std::int64_t count,
                                               Stream stream) {
  launch(stream, {predictions, targets, dpredictions}, [predictions, targets, dpredictions, count] {
    cpu().binary_cross_entropy_backward(predictions, targets, dpredictions, count, Stream());
  });
}

void SimBackend::reduce(Reduction reduction, const float* x, float* y, std::int64_t outer,
                        std::int64_t axis, std::int64_t inner, Stream stream) {
  launch(stream, {x, y}, [reduction, x, y, outer, axis, inner] {
    cpu().reduce(reduction, x, y, outer, axis, inner, Stream());
  });
}

void SimBackend::argmax(const float* x, std::int64_t* y, std::int64_t outer, std::int64_t axis,
                        std::int64_t inner, Stream stream) {
  launch(stream, {x, y},
         [x, y, outer, axis, inner] { cpu().argmax(x, y, outer, axis, inner, Stream()); });
}

void SimBackend::dropout(const float* x, float* y, std::int64_t count, float p, std::uint64_t seed,
                         std::uint64_t offset, const std::int64_t* iteration, Stream stream) {
  launch(stream, {x, y, iteration}, [x, y, count, p, seed, offset, iteration] {
    cpu().dropout(x, y, count, p, seed, offset, iteration, Stream());
  });
}

void SimBackend::fill_random(Distribution distribution, float* y, std::int64_t count, float a,
                             float b, std::uint64_t seed, Stream stream) {
  launch(stream, {y}, [distribution, y, count, a, b, seed] {
    cpu().fill_random(distribution, y, count, a, b, seed, Stream());
  });
}

void SimBackend::optimizer_update(const OptimizerArgs& args, Stream stream) {
  launch(stream, {args.parameters, args.gradients, args.state_1, args.state_2, args.step_counter},
         [args] { cpu().optimizer_update(args, Stream()); });
}

void SimBackend::increment(std::int64_t* counter, Stream stream) {
  launch(stream, {counter}, [counter] { cpu().increment(counter, Stream()); });
}

void SimBackend::cast(const void* x, DType from, void* y, DType to, std::int64_t count,
                      Stream stream) {
  launch(stream, {x, y}, [x, from, y, to, count] { cpu().cast(x, from, y, to, count, Stream()); });
}

void SimBackend::fill(void* y, DType dtype, std::int64_t count, double value, Stream stream) {
  launch(stream, {y}, [y, dtype, count, value] { cpu().fill(y, dtype, count, value, Stream()); });
}

void SimBackend::copy_rows(const void* x, std::size_t x_pitch, void* y, std::size_t y_pitch,
                           std::size_t row_bytes, std::int64_t rows, Stream stream) {
  launch(stream, {x, y}, [x, x_pitch, y, y_pitch, row_bytes, rows] {
    cpu().copy_rows(x, x_pitch, y, y_pitch, row_bytes, rows, Stream());
  });
}

void SimBackend::gather_rows(const float* table, std::int64_t rows, std::int64_t width,
                             const float* indices, std::int64_t count, float* y, Stream stream) {
  launch(stream, {table, indices, y},
         [=] { cpu().gather_rows(table, rows, width, indices, count, y, Stream()); });
}

void SimBackend::scatter_add_rows(const float* dy, const float* indices, std::int64_t count,
                                  std::int64_t width, float* table_gradient, std::int64_t rows,
                                  Stream stream) {
  launch(stream, {dy, indices, table_gradient}, [=] {
    cpu().scatter_add_rows(dy, indices, count, width, table_gradient, rows, Stream());
  });
}

void SimBackend::lstm_cell_forward(const LstmCellArgs& args, Stream stream) {
  launch(stream, {args.gates, args.c_prev, args.c, args.h, args.mask},
         [args] { cpu().lstm_cell_forward(args, Stream()); });
}

void SimBackend::lstm_cell_backward(const LstmCellArgs& args, Stream stream) {
  launch(stream, {args.gates, args.c_prev, args.c, args.dh, args.dc, args.dz, args.mask},
         [args] { cpu().lstm_cell_backward(args, Stream()); });
}

void SimBackend::gru_cell_forward(const GruCellArgs& args, Stream stream) {
  launch(stream, {args.gates, args.hidden_gates, args.h_prev, args.h, args.mask},
         [args] { cpu().gru_cell_forward(args, Stream()); });
}

void SimBackend::gru_cell_backward(const GruCellArgs& args, Stream stream) {
  launch(stream,
         {args.gates, args.hidden_gates, args.h_prev, args.dh, args.d_gates, args.d_hidden_gates,
          args.dh_prev, args.mask},
         [args] { cpu().gru_cell_backward(args, Stream()); });
}

std::size_t SimBackend::convolution_scratch_bytes(const ConvGeometry& geometry, Stream) {
  return cpu().convolution_scratch_bytes(geometry, Stream());
}

void SimBackend::convolution_forward(const ConvGeometry& geometry, const float* x, const float* w,
                                     float* y, void* scratch, Stream stream) {
  launch(stream, {x, w, y, scratch}, [geometry, x, w, y, scratch] {
    cpu().convolution_forward(geometry, x, w, y, scratch, Stream());
  });
}

void SimBackend::convolution_backward_data(const ConvGeometry& geometry, const float* w,
                                           const float* dy, float* dx, void* scratch,
                                           Stream stream) {
  launch(stream, {w, dy, dx, scratch}, [geometry, w, dy, dx, scratch] {
    cpu().convolution_backward_data(geometry, w, dy, dx, scratch, Stream());
  });
}

void SimBackend::convolution_backward_filter(const ConvGeometry& geometry, const float* x,
                                             const float* dy, float* dw, void* scratch,
                                             Stream stream) {
  launch(stream, {x, dy, dw, scratch}, [geometry, x, dy, dw, scratch] {
    cpu().convolution_backward_filter(geometry, x, dy, dw, scratch, Stream());
  });
}

void SimBackend::pooling_forward(Pooling pooling, const ConvGeometry& geometry, const float* x,
                                 float* y, Stream stream) {
  launch(stream, {x, y},
         [pooling, geometry, x, y] { cpu().pooling_forward(pooling, geometry, x, y, Stream()); });
}

void SimBackend::pooling_backward(Pooling pooling, const ConvGeometry& geometry, const float* x,
                                  const float* y, const float* dy, float* dx, Stream stream) {
  launch(stream, {x, y, dy, dx}, [pooling, geometry, x, y, dy, dx] {
    cpu().pooling_backward(pooling, geometry, x, y, dy, dx, Stream());
  });
}

void SimBackend::batch_norm_forward(bool training, const float* x, const float* gamma,
                                    const float* beta, float* running_mean, float* running_variance,
                                    float* saved_mean, float* saved_inverse_std, float* y,
                                    std::int64_t outer, std::int64_t channels, std::int64_t inner,
                                    float momentum, float epsilon, Stream stream) {
  launch(stream, {x, gamma, beta, running_mean, running_variance, saved_mean, saved_inverse_std, y},
         [training, x, gamma, beta, running_mean, running_variance, saved_mean, saved_inverse_std,
          y, outer, channels, inner, momentum, epsilon] {
           cpu().batch_norm_forward(training, x, gamma, beta, running_mean, running_variance,
                                    saved_mean, saved_inverse_std, y, outer, channels, inner,
                                    momentum, epsilon, Stream());
         });
}

void SimBackend::batch_norm_backward(const float* x, const float* gamma, const float* saved_mean,
                                     const float* saved_inverse_std, const float* dy, float* dx,
                                     float* dgamma, float* dbeta, std::int64_t outer,
                                     std::int64_t channels, std::int64_t inner, float epsilon,
                                     Stream stream) {
  launch(stream, {x, gamma, saved_mean, saved_inverse_std, dy, dx, dgamma, dbeta},
         [x, gamma, saved_mean, saved_inverse_std, dy, dx, dgamma, dbeta, outer, channels, inner,
          epsilon] {
           cpu().batch_norm_backward(x, gamma, saved_mean, saved_inverse_std, dy, dx, dgamma, dbeta,
                                     outer, channels, inner, epsilon, Stream());
         });
}

}  // namespace gyre::kernels
