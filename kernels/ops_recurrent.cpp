// lstm_cell_* and gru_cell_*: operand checks, then the backend's fused cell.
#include "kernels/operand_checks.h"
#include "kernels/ops.h"
#include "runtime/error.h"

namespace gyre::kernels {
namespace {

// Checks gates [N, k·H] and a state [N, H]; returns H.
std::int64_t check_gates(const char* op, const Tensor& gates, int k, const char* state_name,
                         const Tensor& state) {
  checks::float_operand(op, "gates", gates);
  checks::float_operand(op, state_name, state);
  checks::same_device(op, state_name, state, gates);
  const bool gate_rows = gates.shape().rank() == 2 && gates.shape().dim(1) % k == 0;
  const Shape expected =
      gate_rows ? Shape({gates.shape().dim(0), gates.shape().dim(1) / k}) : Shape();
  GYRE_CHECK(gate_rows && state.shape() == expected, InvalidArgumentError, op, ": gates ",
             gates.description(), " must be [N, ", k, "H] and ", state_name, " ",
             state.description(), " [N, H]");
  return gates.shape().dim(1) / k;
}

// The mask's column `step` (undefined mask: null, every row present).
template <typename Args>
void mask_column(const char* op, const Tensor& mask, const Tensor& gates, std::int64_t step,
                 Args& args) {
  if (!mask.defined()) return;
  checks::float_operand(op, "mask", mask);
  checks::same_device(op, "mask", mask, gates);
  GYRE_CHECK(mask.shape().rank() == 2 && mask.shape().dim(0) == args.rows && step >= 0 &&
                 step < mask.shape().dim(1),
             InvalidArgumentError, op, ": mask ", mask.description(),
             " must be [N, T] with N = ", args.rows, " and step ", step, " < T");
  args.mask = checks::f32(mask) + step;
  args.mask_stride = mask.shape().dim(1);
}

void check_like(const char* op, const char* name, const Tensor& tensor, const Tensor& like) {
  checks::float_operand(op, name, tensor);
  checks::same_device(op, name, tensor, like);
  GYRE_CHECK(tensor.shape() == like.shape(), InvalidArgumentError, op, ": ", name, " ",
             tensor.description(), " must be shaped like ", like.description());
}

// An optional state (undefined: zeros) shaped like `like`.
float* optional_like(const char* op, const char* name, const Tensor& tensor, const Tensor& like) {
  if (!tensor.defined()) return nullptr;
  check_like(op, name, tensor, like);
  return checks::f32(tensor);
}

LstmCellArgs lstm_step(const char* op, const Tensor& gates, const Tensor& c_prev, const Tensor& c,
                       const Tensor& mask, std::int64_t step) {
  LstmCellArgs args;
  args.hidden = check_gates(op, gates, 4, "c", c);
  args.rows = gates.shape().dim(0);
  args.c_prev = optional_like(op, "c_prev", c_prev, c);
  mask_column(op, mask, gates, step, args);
  args.gates = checks::f32(gates);
  args.c = checks::f32(c);
  return args;
}

GruCellArgs gru_step(const char* op, const Tensor& gates, const Tensor& hidden_gates,
                     const Tensor& h_prev, const Tensor& state, const Tensor& mask,
                     std::int64_t step) {
  GruCellArgs args;
  args.hidden = check_gates(op, gates, 3, "h", state);
  args.rows = gates.shape().dim(0);
  check_like(op, "hidden_gates", hidden_gates, gates);
  args.h_prev = optional_like(op, "h_prev", h_prev, state);
  mask_column(op, mask, gates, step, args);
  args.gates = checks::f32(gates);
  args.hidden_gates = checks::f32(hidden_gates);
  return args;
}

}  // namespace

void lstm_cell_forward(const Tensor& gates, const Tensor& c_prev, const Tensor& c, const Tensor& h,
                       const Tensor& mask, std::int64_t step) {
  const char* op = "lstm_cell_forward";
  LstmCellArgs args = lstm_step(op, gates, c_prev, c, mask, step);
  check_like(op, "h", h, c);
  args.h = checks::f32(h);
  checks::backend(gates.device()).lstm_cell_forward(args, checks::stream(gates.device()));
}

void lstm_cell_backward(const Tensor& gates, const Tensor& c_prev, const Tensor& c,
                        const Tensor& dh, const Tensor& dc, const Tensor& dz, const Tensor& mask,
                        std::int64_t step) {
  const char* op = "lstm_cell_backward";
  LstmCellArgs args = lstm_step(op, gates, c_prev, c, mask, step);
  check_like(op, "dh", dh, c);
  check_like(op, "dc", dc, c);
  check_like(op, "dz", dz, gates);
  args.dh = checks::f32(dh);
  args.dc = checks::f32(dc);
  args.dz = checks::f32(dz);
  checks::backend(gates.device()).lstm_cell_backward(args, checks::stream(gates.device()));
}

void gru_cell_forward(const Tensor& gates, const Tensor& hidden_gates, const Tensor& h_prev,
                      const Tensor& h, const Tensor& mask, std::int64_t step) {
  GruCellArgs args = gru_step("gru_cell_forward", gates, hidden_gates, h_prev, h, mask, step);
  args.h = checks::f32(h);
  checks::backend(gates.device()).gru_cell_forward(args, checks::stream(gates.device()));
}

void gru_cell_backward(const Tensor& gates, const Tensor& hidden_gates, const Tensor& h_prev,
                       const Tensor& dh, const Tensor& d_gates, const Tensor& d_hidden_gates,
                       const Tensor& dh_prev, const Tensor& mask, std::int64_t step) {
  const char* op = "gru_cell_backward";
  GruCellArgs args = gru_step(op, gates, hidden_gates, h_prev, dh, mask, step);
  check_like(op, "d_gates", d_gates, gates);
  check_like(op, "d_hidden_gates", d_hidden_gates, gates);
  args.dh = checks::f32(dh);
  args.d_gates = checks::f32(d_gates);
  args.d_hidden_gates = checks::f32(d_hidden_gates);
  args.dh_prev = optional_like(op, "dh_prev", dh_prev, dh);
  checks::backend(gates.device()).gru_cell_backward(args, checks::stream(gates.device()));
}

}  // namespace gyre::kernels
