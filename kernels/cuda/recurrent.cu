// The LSTM cell on CUDA: one thread per (row, unit), the formula shared with the CPU.
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

}  // namespace

void CudaBackend::lstm_cell_forward(const LstmCellArgs& args, Stream stream) {
  const std::int64_t count = args.rows * args.hidden;
  if (count == 0) return;
  lstm_forward_kernel<<<cuda::blocks_for(count), cuda::kThreads, 0, cuda::native(stream)>>>(args);
  GYRE_CHECK_LAUNCH();
}

void CudaBackend::lstm_cell_backward(const LstmCellArgs& args, Stream stream) {
  const std::int64_t count = args.rows * args.hidden;
  if (count == 0) return;
  lstm_backward_kernel<<<cuda::blocks_for(count), cuda::kThreads, 0, cuda::native(stream)>>>(args);
  GYRE_CHECK_LAUNCH();
}

}  // namespace gyre::kernels
