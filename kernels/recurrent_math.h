#pragma once
// One element (row r, unit j) of the LSTM cell, forward and backward, shared by the CPU and
// CUDA kernels. Gates are laid out [rows, 4H] in PyTorch's order i, f, g, o; a row whose
// mask is 0 (padding) gets c = h = 0 and passes no gradient (DL4J's masking).
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

GYRE_HOST_DEVICE float lstm_mask(const LstmCellArgs& a, std::int64_t r) {
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
  const float m = lstm_mask(a, r);
  const float c = (f * previous + i * g) * m;
  a.c[r * H + j] = c;
  a.h[r * H + j] = o * std::tanh(c) * m;
}

GYRE_HOST_DEVICE void lstm_cell_backward_element(const LstmCellArgs& a, std::int64_t r,
                                                 std::int64_t j) {
  const std::int64_t H = a.hidden;
  const float* z = a.gates + r * 4 * H;
  const float i = z[j], f = z[H + j], g = z[2 * H + j], o = z[3 * H + j];
  const float m = lstm_mask(a, r);
  const float previous = a.c_prev == nullptr ? 0.0f : a.c_prev[r * H + j];
  const float tanh_c = std::tanh(a.c[r * H + j]);
  const float dh = a.dh[r * H + j] * m;
  const float dc = a.dc[r * H + j] * m + dh * o * (1.0f - tanh_c * tanh_c);
  float* dz = a.dz + r * 4 * H;
  dz[j] = dc * g * i * (1.0f - i);
  dz[H + j] = dc * previous * f * (1.0f - f);
  dz[2 * H + j] = dc * i * (1.0f - g * g);
  dz[3 * H + j] = dh * tanh_c * o * (1.0f - o);
  a.dc[r * H + j] = dc * f;
}

}  // namespace gyre::kernels
