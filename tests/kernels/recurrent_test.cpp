// The LSTM and GRU cells against a float64 reference, forward and backward, with and without
// a mask.
#include <catch2/catch.hpp>
#include <cmath>

#include "kernels/ops.h"
#include "runtime/error.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::kernels;
using testing::random_tensor;
using testing::values_of;

namespace {
double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}
}  // namespace

TEST_CASE("the LSTM cell matches float64, masked rows included", "[kernels][recurrent]") {
  const std::int64_t n = 5, h = 7, steps = 3, step = 1;
  const Tensor z = random_tensor({n, 4 * h}, 1, -2.0f, 2.0f), c_prev = random_tensor({n, h}, 2);
  const Tensor dh = random_tensor({n, h}, 3), dc_next = random_tensor({n, h}, 4);
  Tensor mask = Tensor::empty_detached({n, steps});
  for (std::int64_t r = 0; r < n * steps; ++r) mask.data<float>()[r] = r % 4 != 0;
  for (bool masked : {false, true}) {
    INFO((masked ? "masked" : "no mask"));
    const std::vector<double> pre = values_of(z), previous = values_of(c_prev),
                              gradient = values_of(dh), carried = values_of(dc_next);
    Tensor gates = random_tensor({n, 4 * h}, 1, -2.0f, 2.0f);  // the same values as z
    Tensor c = Tensor::empty_detached({n, h}), out = Tensor::empty_detached({n, h});
    lstm_cell_forward(gates, c_prev, c, out, masked ? mask : Tensor(), step);
    Tensor dc = random_tensor({n, h}, 4), dz = Tensor::empty_detached({n, 4 * h});
    lstm_cell_backward(gates, c_prev, c, dh, dc, dz, masked ? mask : Tensor(), step);
    std::vector<double> gates_ref(pre.size()), c_ref(n * h), h_ref(n * h), dz_ref(pre.size()),
        dc_ref(n * h);
    for (std::int64_t r = 0; r < n; ++r) {
      const double m = masked ? mask.data<float>()[r * steps + step] : 1.0;
      for (std::int64_t j = 0; j < h; ++j) {
        const std::size_t at = static_cast<std::size_t>(r * h + j);
        const auto gate = [&](int k) {
          return pre[static_cast<std::size_t>(r * 4 * h + k * h + j)];
        };
        const double i = sigmoid(gate(0)), f = sigmoid(gate(1)), g = std::tanh(gate(2)),
                     o = sigmoid(gate(3));
        const double cell = (f * previous[at] + i * g) * m;
        c_ref[at] = cell;
        h_ref[at] = o * std::tanh(cell) * m;
        const double dhm = gradient[at] * m;
        const double dcell = carried[at] * m + dhm * o * (1 - std::tanh(cell) * std::tanh(cell));
        const double d[4] = {dcell * g * i * (1 - i), dcell * previous[at] * f * (1 - f),
                             dcell * i * (1 - g * g), dhm * std::tanh(cell) * o * (1 - o)};
        const double activated[4] = {i, f, g, o};
        for (int k = 0; k < 4; ++k) {
          const auto index = static_cast<std::size_t>(r * 4 * h + k * h + j);
          gates_ref[index] = activated[k];
          dz_ref[index] = d[k];
        }
        dc_ref[at] = dcell * f;
      }
    }
    testing::require_close(gates, gates_ref, 1e-5, 1e-6);
    testing::require_close(c, c_ref, 1e-5, 1e-6);
    testing::require_close(out, h_ref, 1e-5, 1e-6);
    testing::require_close(dz, dz_ref, 1e-4, 1e-6);
    testing::require_close(dc, dc_ref, 1e-4, 1e-6);
  }
}

TEST_CASE("the GRU cell matches float64, masked rows and the first step included",
          "[kernels][recurrent]") {
  const std::int64_t n = 5, h = 6, steps = 3, step = 2;
  const Tensor x_gates = random_tensor({n, 3 * h}, 31, -2.0f, 2.0f);
  const Tensor hidden_gates = random_tensor({n, 3 * h}, 32, -2.0f, 2.0f);
  const Tensor h_prev = random_tensor({n, h}, 33), dh = random_tensor({n, h}, 34);
  Tensor mask = Tensor::empty_detached({n, steps});
  for (std::int64_t r = 0; r < n * steps; ++r) mask.data<float>()[r] = r % 4 != 0;
  REQUIRE(mask.data<float>()[2 * steps + step] == 0.0f);  // row 2 is padding at this step
  const std::vector<double> xs = values_of(x_gates), hs = values_of(hidden_gates),
                            previous = values_of(h_prev), gradient = values_of(dh);
  for (bool masked : {false, true}) {
    for (bool first : {false, true}) {  // the first step has no h_prev (zeros)
      INFO((masked ? "masked" : "no mask") << (first ? ", first step" : ""));
      Tensor gates = random_tensor({n, 3 * h}, 31, -2.0f, 2.0f);  // the same values as x_gates
      Tensor out = Tensor::empty_detached({n, h});
      const Tensor used_mask = masked ? mask : Tensor();
      gru_cell_forward(gates, hidden_gates, first ? Tensor() : h_prev, out, used_mask, step);
      Tensor d_gates = Tensor::empty_detached({n, 3 * h}),
             d_hidden = Tensor::empty_detached({n, 3 * h}), dh_prev = random_tensor({n, h}, 35);
      gru_cell_backward(gates, hidden_gates, first ? Tensor() : h_prev, dh, d_gates, d_hidden,
                        dh_prev, used_mask, step);
      std::vector<double> gates_ref(xs.size()), h_ref(n * h), dx_ref(xs.size()),
          dhid_ref(xs.size()), dprev_ref(n * h);
      for (std::int64_t r = 0; r < n; ++r) {
        const double m = masked ? mask.data<float>()[r * steps + step] : 1.0;
        for (std::int64_t j = 0; j < h; ++j) {
          const auto at = static_cast<std::size_t>(r * h + j);
          const auto index = [&](int k) { return static_cast<std::size_t>(r * 3 * h + k * h + j); };
          const double hp = first ? 0.0 : previous[at];
          const double rg = sigmoid(xs[index(0)] + hs[index(0)]);
          const double zg = sigmoid(xs[index(1)] + hs[index(1)]);
          const double ng = std::tanh(xs[index(2)] + rg * hs[index(2)]);
          gates_ref[index(0)] = rg;
          gates_ref[index(1)] = zg;
          gates_ref[index(2)] = ng;
          h_ref[at] = ((1 - zg) * ng + zg * hp) * m;
          const double g = gradient[at] * m;
          const double dn = g * (1 - zg) * (1 - ng * ng);
          const double dr = dn * hs[index(2)] * rg * (1 - rg);
          const double dz = g * (hp - ng) * zg * (1 - zg);
          dx_ref[index(0)] = dhid_ref[index(0)] = dr;
          dx_ref[index(1)] = dhid_ref[index(1)] = dz;
          dx_ref[index(2)] = dn;
          dhid_ref[index(2)] = dn * rg;
          dprev_ref[at] = g * zg;
        }
      }
      testing::require_close(gates, gates_ref, 1e-5, 1e-6);
      testing::require_close(out, h_ref, 1e-5, 1e-6);
      testing::require_close(d_gates, dx_ref, 1e-4, 1e-6);
      testing::require_close(d_hidden, dhid_ref, 1e-4, 1e-6);
      testing::require_close(dh_prev, dprev_ref, 1e-4, 1e-6);
    }
  }
  Tensor wrong = Tensor::empty_detached({n, h + 1});
  CHECK_THROWS_AS(gru_cell_forward(x_gates, hidden_gates, Tensor(), wrong, Tensor(), 0),
                  InvalidArgumentError);
  CHECK_THROWS_AS(gru_cell_forward(x_gates, random_tensor({n, 3 * h + 3}, 36), Tensor(),
                                   Tensor::empty_detached({n, h}), Tensor(), 0),
                  InvalidArgumentError);
  CHECK_THROWS_AS(gru_cell_forward(x_gates, hidden_gates, Tensor(), Tensor::empty_detached({n, h}),
                                   mask, steps),
                  InvalidArgumentError);
}

TEST_CASE("transpose_01 swaps the two leading axes into a channel range", "[kernels][copy]") {
  const Tensor x = random_tensor({3, 4, 5}, 9);
  Tensor y = random_tensor({4, 3, 7}, 10);
  const std::vector<double> before = values_of(y), source = values_of(x);
  transpose_01(x, 1, y, 2, 3);  // channels 1..4 of x into channels 2..5 of y
  const std::vector<double> after = values_of(y);
  for (std::int64_t b = 0; b < 4; ++b)
    for (std::int64_t a = 0; a < 3; ++a)
      for (std::int64_t c = 0; c < 7; ++c) {
        const auto at = static_cast<std::size_t>((b * 3 + a) * 7 + c);
        if (c >= 2 && c < 5)
          REQUIRE(after[at] == source[static_cast<std::size_t>((a * 4 + b) * 5 + c - 1)]);
        else
          REQUIRE(after[at] == before[at]);
      }
}
