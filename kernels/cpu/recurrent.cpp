// The LSTM and GRU cells on the CPU: the shared per-element formula over rows and units.
#include "kernels/cpu/cpu_backend.h"

namespace gyre::kernels {

void CpuBackend::lstm_cell_forward(const LstmCellArgs& args, Stream) {
  for (std::int64_t r = 0; r < args.rows; ++r)
    for (std::int64_t j = 0; j < args.hidden; ++j) lstm_cell_forward_element(args, r, j);
}

void CpuBackend::lstm_cell_backward(const LstmCellArgs& args, Stream) {
  for (std::int64_t r = 0; r < args.rows; ++r)
    for (std::int64_t j = 0; j < args.hidden; ++j) lstm_cell_backward_element(args, r, j);
}

void CpuBackend::gru_cell_forward(const GruCellArgs& args, Stream) {
  for (std::int64_t r = 0; r < args.rows; ++r)
    for (std::int64_t j = 0; j < args.hidden; ++j) gru_cell_forward_element(args, r, j);
}

void CpuBackend::gru_cell_backward(const GruCellArgs& args, Stream) {
  for (std::int64_t r = 0; r < args.rows; ++r)
    for (std::int64_t j = 0; j < args.hidden; ++j) gru_cell_backward_element(args, r, j);
}

}  // namespace gyre::kernels
