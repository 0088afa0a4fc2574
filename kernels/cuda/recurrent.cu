// The LSTM and GRU cells on CUDA: one thread per (row, unit), the formula shared with the CPU.
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/launch.cuh"

namespace gyre::kernels {
namespace {

__global__ void lstm_forward_kernel(LstmCellArgs args) {
  GYRE_GRID_STRIDE_LOOP(e, args.rows * args.hidden) {
    lstm_cell_forward_element(args, e / args.hidden, e % args.hidden);
  }
}

__global__ void lstm_backward_kernel(LstmCellArgs args) {
  GYRE_GRID_STRIDE_LOOP(e, args.rows * args.hidden) {
    lstm_cell_backward_element(args, e / args.hidden, e % args.hidden);
  }
}

__global__ void gru_forward_kernel(GruCellArgs args) {
  GYRE_GRID_STRIDE_LOOP(e, args.rows * args.hidden) {
    gru_cell_forward_element(args, e / args.hidden, e % args.hidden);
  }
}

__global__ void gru_backward_kernel(GruCellArgs args) {
  GYRE_GRID_STRIDE_LOOP(e, args.rows * args.hidden) {
    gru_cell_backward_element(args, e / args.hidden, e % args.hidden);
  }
}

template <typename Args>
void launch_cell(void (*kernel)(Args), const Args& args, Stream stream) {
  const std::int64_t count = args.rows * args.hidden;
  if (count == 0) return;
  kernel<<<cuda::blocks_for(count), cuda::kThreads, 0, cuda::native(stream)>>>(args);
  GYRE_CHECK_LAUNCH();
}

}  // namespace

void CudaBackend::lstm_cell_forward(const LstmCellArgs& args, Stream stream) {
  launch_cell(lstm_forward_kernel, args, stream);
}

void CudaBackend::lstm_cell_backward(const LstmCellArgs& args, Stream stream) {
  launch_cell(lstm_backward_kernel, args, stream);
}

void CudaBackend::gru_cell_forward(const GruCellArgs& args, Stream stream) {
  launch_cell(gru_forward_kernel, args, stream);
}

void CudaBackend::gru_cell_backward(const GruCellArgs& args, Stream stream) {
  launch_cell(gru_backward_kernel, args, stream);
}

}  // namespace gyre::kernels
