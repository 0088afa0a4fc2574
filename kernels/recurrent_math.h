#pragma once
// One element (row r, unit j) of the LSTM and GRU cells, forward and backward, shared by the
// CPU and CUDA kernels. LSTM gates are laid out [rows, 4H] in PyTorch's order i, f, g, o; GRU
// gates [rows, 3H] in PyTorch's order r, z, n (linear before reset). A row whose mask is 0
// (padding) gets a zero state and passes no gradient (DL4J's masking).
#include <cmath>
#include <cstdint>

#include "kernels/host_device.h"

namespace gyre::kernels {

struct LstmCellArgs {
  float* gates = nullptr;         // [rows, 4H]: pre-activations in, activations out (forward)
  const float* c_prev = nullptr;  // [rows, H]; null: zeros (the first step)
  float* c = nullptr;             // [rows, H]
  float* h = nullptr;             // [rows, H] (forward)
  const float* dh = nullptr;      // [rows, H] (backward): the step's whole output gradient
  float* dc = nullptr;          // [rows, H] (backward): in from the next step, out to the previous
  float* dz = nullptr;          // [rows, 4H] (backward): gradient of the pre-activations
  const float* mask = nullptr;  // mask[r * mask_stride]; null: every row present
  std::int64_t mask_stride = 1;
  std::int64_t rows = 0, hidden = 0;
};

GYRE_HOST_DEVICE float lstm_sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}

// Row r's mask value (1 without a mask), for either cell's arguments.
template <typename CellArgs>
GYRE_HOST_DEVICE float row_mask(const CellArgs& a, std::int64_t r) {
  return a.mask == nullptr ? 1.0f : a.mask[r * a.mask_stride];
}

GYRE_HOST_DEVICE void lstm_cell_forward_element(const LstmCellArgs& a, std::int64_t r,
                                                std::int64_t j) {
  const std::int64_t H = a.hidden;
  float* z = a.gates + r * 4 * H;
  const float i = lstm_sigmoid(z[j]), f = lstm_sigmoid(z[H + j]), g = std::tanh(z[2 * H + j]),
              o = lstm_sigmoid(z[3 * H + j]);
  z[j] = i;
  z[H + j] = f;
  z[2 * H + j] = g;
  z[3 * H + j] = o;
  const float previous = a.c_prev == nullptr ? 0.0f : a.c_prev[r * H + j];
  const float m = row_mask(a, r);
  const float c = (f * previous + i * g) * m;
  a.c[r * H + j] = c;
  a.h[r * H + j] = o * std::tanh(c) * m;
}

// The backward pass of element (r, j) given tanh(c) (the CPU computes a row's at once).
GYRE_HOST_DEVICE void lstm_cell_backward_given(const LstmCellArgs& a, std::int64_t r,
                                               std::int64_t j, float tanh_c) {
  const std::int64_t H = a.hidden;
  const float* z = a.gates + r * 4 * H;
  const float i = z[j], f = z[H + j], g = z[2 * H + j], o = z[3 * H + j];
  const float m = row_mask(a, r);
  const float previous = a.c_prev == nullptr ? 0.0f : a.c_prev[r * H + j];
  const float dh = a.dh[r * H + j] * m;
  const float dc = a.dc[r * H + j] * m + dh * o * (1.0f - tanh_c * tanh_c);
  float* dz = a.dz + r * 4 * H;
  dz[j] = dc * g * i * (1.0f - i);
  dz[H + j] = dc * previous * f * (1.0f - f);
  dz[2 * H + j] = dc * i * (1.0f - g * g);
  dz[3 * H + j] = dh * tanh_c * o * (1.0f - o);
  a.dc[r * H + j] = dc * f;
}

GYRE_HOST_DEVICE void lstm_cell_backward_element(const LstmCellArgs& a, std::int64_t r,
                                                 std::int64_t j) {
  lstm_cell_backward_given(a, r, j, std::tanh(a.c[r * a.hidden + j]));
}

struct GruCellArgs {
  float* gates = nullptr;  // [rows, 3H]: x·W + b in, the activations r, z, n out (forward)
  const float* hidden_gates = nullptr;  // [rows, 3H]: h_prev·RW + rb (n's part is reset-gated)
  const float* h_prev = nullptr;        // [rows, H]; null: zeros (the first step)
  float* h = nullptr;                   // [rows, H] (forward)
  const float* dh = nullptr;            // [rows, H] (backward): the step's whole output gradient
  float* d_gates = nullptr;             // [rows, 3H] (backward): gradient of x·W + b
  float* d_hidden_gates = nullptr;      // [rows, 3H] (backward): gradient of h_prev·RW + rb
  float* dh_prev = nullptr;     // [rows, H] (backward): the direct part z·dh (RW's part is a GEMM)
  const float* mask = nullptr;  // mask[r * mask_stride]; null: every row present
  std::int64_t mask_stride = 1;
  std::int64_t rows = 0, hidden = 0;
};

// r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r·hn), h = ((1 − z)·n + z·h_prev)·mask.
GYRE_HOST_DEVICE void gru_cell_forward_element(const GruCellArgs& a, std::int64_t r,
                                               std::int64_t j) {
  const std::int64_t H = a.hidden;
  float* x = a.gates + r * 3 * H;
  const float* h = a.hidden_gates + r * 3 * H;
  const float reset = lstm_sigmoid(x[j] + h[j]), update = lstm_sigmoid(x[H + j] + h[H + j]);
  const float candidate = std::tanh(x[2 * H + j] + reset * h[2 * H + j]);
  x[j] = reset;
  x[H + j] = update;
  x[2 * H + j] = candidate;
  const float previous = a.h_prev == nullptr ? 0.0f : a.h_prev[r * H + j];
  a.h[r * H + j] = ((1.0f - update) * candidate + update * previous) * row_mask(a, r);
}

GYRE_HOST_DEVICE void gru_cell_backward_element(const GruCellArgs& a, std::int64_t r,
                                                std::int64_t j) {
  const std::int64_t H = a.hidden;
  const float* x = a.gates + r * 3 * H;
  const float reset = x[j], update = x[H + j], candidate = x[2 * H + j];
  const float hidden_n = a.hidden_gates[r * 3 * H + 2 * H + j];
  const float previous = a.h_prev == nullptr ? 0.0f : a.h_prev[r * H + j];
  const float dh = a.dh[r * H + j] * row_mask(a, r);
  const float dn = dh * (1.0f - update) * (1.0f - candidate * candidate);
  const float dr = dn * hidden_n * reset * (1.0f - reset);
  const float dz = dh * (previous - candidate) * update * (1.0f - update);
  float* dx = a.d_gates + r * 3 * H;
  float* dhg = a.d_hidden_gates + r * 3 * H;
  dx[j] = dhg[j] = dr;
  dx[H + j] = dhg[H + j] = dz;
  dx[2 * H + j] = dn;
  dhg[2 * H + j] = dn * reset;
  if (a.dh_prev != nullptr) a.dh_prev[r * H + j] = dh * update;
}

}  // namespace gyre::kernels
