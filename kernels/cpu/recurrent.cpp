// The LSTM and GRU cells on the CPU, a row at a time: the gates' sigmoids and tanhs over whole
// rows through SLEEF (cpu/vector_math.h), then the rest of the formulas of
// kernels/recurrent_math.h in loops the compiler vectorizes. The GRU's backward pass has no
// transcendental function and runs the shared per-element formula.
#include <algorithm>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/vector_math.h"

namespace gyre::kernels {
namespace {
// The backward pass's tanh(c), a chunk of a row at a time: no allocation.
constexpr std::int64_t kChunk = 256;
}  // namespace

void CpuBackend::lstm_cell_forward(const LstmCellArgs& a, Stream) {
  const std::int64_t H = a.hidden;
  for (std::int64_t r = 0; r < a.rows; ++r) {
    float* z = a.gates + r * 4 * H;
    cpu::sigmoid_array(z, z, 2 * H);  // i, f
    cpu::tanh_array(z + 2 * H, z + 2 * H, H);
    cpu::sigmoid_array(z + 3 * H, z + 3 * H, H);
    const float* i = z;
    const float* f = z + H;
    const float* g = z + 2 * H;
    const float* o = z + 3 * H;
    const float m = row_mask(a, r);
    float* c = a.c + r * H;
    float* h = a.h + r * H;
    if (a.c_prev == nullptr) {
      for (std::int64_t j = 0; j < H; ++j) c[j] = i[j] * g[j] * m;  // c_prev = 0
    } else {
      const float* previous = a.c_prev + r * H;
      for (std::int64_t j = 0; j < H; ++j) c[j] = (f[j] * previous[j] + i[j] * g[j]) * m;
    }
    cpu::tanh_array(c, h, H);
    for (std::int64_t j = 0; j < H; ++j) h[j] = o[j] * h[j] * m;
  }
}

void CpuBackend::lstm_cell_backward(const LstmCellArgs& a, Stream) {
  const std::int64_t H = a.hidden;
  float tanh_c[kChunk];
  for (std::int64_t r = 0; r < a.rows; ++r) {
    for (std::int64_t start = 0; start < H; start += kChunk) {
      const std::int64_t width = std::min(kChunk, H - start);
      cpu::tanh_array(a.c + r * H + start, tanh_c, width);
      for (std::int64_t k = 0; k < width; ++k) lstm_cell_backward_given(a, r, start + k, tanh_c[k]);
    }
  }
}

void CpuBackend::gru_cell_forward(const GruCellArgs& a, Stream) {
  const std::int64_t H = a.hidden;
  for (std::int64_t r = 0; r < a.rows; ++r) {
    float* x = a.gates + r * 3 * H;
    const float* hidden = a.hidden_gates + r * 3 * H;
    for (std::int64_t j = 0; j < 2 * H; ++j) x[j] += hidden[j];
    cpu::sigmoid_array(x, x, 2 * H);  // reset, update
    const float* reset = x;
    const float* update = x + H;
    float* candidate = x + 2 * H;
    for (std::int64_t j = 0; j < H; ++j) candidate[j] += reset[j] * hidden[2 * H + j];
    cpu::tanh_array(candidate, candidate, H);
    const float m = row_mask(a, r);
    float* h = a.h + r * H;
    for (std::int64_t j = 0; j < H; ++j) {
      const float previous = a.h_prev == nullptr ? 0.0f : a.h_prev[r * H + j];
      h[j] = ((1.0f - update[j]) * candidate[j] + update[j] * previous) * m;
    }
  }
}

void CpuBackend::gru_cell_backward(const GruCellArgs& args, Stream) {
  for (std::int64_t r = 0; r < args.rows; ++r)
    for (std::int64_t j = 0; j < args.hidden; ++j) gru_cell_backward_element(args, r, j);
}

}  // namespace gyre::kernels
