// lstm_cell_forward, lstm_cell_backward: operand checks, then the backend's fused cell.
#include "kernels/operand_checks.h"
#include "kernels/ops.h"
#include "runtime/error.h"

namespace gyre::kernels {
namespace {

// Checks the step's tensors and fills the shapes and the mask column of `args`.
void describe_step(const char* op, const Tensor& gates, const Tensor& c_prev, const Tensor& c,
                   const Tensor& mask, std::int64_t step, LstmCellArgs& args) {
  checks::float_operand(op, "gates", gates);
  checks::float_operand(op, "c", c);
  checks::same_device(op, "c", c, gates);
  const bool gate_rows = gates.shape().rank() == 2 && gates.shape().dim(1) % 4 == 0;
  const Shape state = gate_rows ? Shape({gates.shape().dim(0), gates.shape().dim(1) / 4}) : Shape();
  GYRE_CHECK(gate_rows && c.shape() == state, InvalidArgumentError, op, ": gates ",
             gates.description(), " must be [N, 4H] and c ", c.description(), " [N, H]");
  args.rows = gates.shape().dim(0);
  args.hidden = gates.shape().dim(1) / 4;
  if (c_prev.defined()) {
    checks::float_operand(op, "c_prev", c_prev);
    checks::same_device(op, "c_prev", c_prev, gates);
    GYRE_CHECK(c_prev.shape() == c.shape(), InvalidArgumentError, op, ": c_prev ",
               c_prev.description(), " must be shaped like c ", c.description());
    args.c_prev = checks::f32(c_prev);
  }
  if (mask.defined()) {
    checks::float_operand(op, "mask", mask);
    checks::same_device(op, "mask", mask, gates);
    GYRE_CHECK(mask.shape().rank() == 2 && mask.shape().dim(0) == args.rows && step >= 0 &&
                   step < mask.shape().dim(1),
               InvalidArgumentError, op, ": mask ", mask.description(),
               " must be [N, T] with N = ", args.rows, " and step ", step, " < T");
    args.mask = checks::f32(mask) + step;
    args.mask_stride = mask.shape().dim(1);
  }
}

void check_like(const char* op, const char* name, const Tensor& tensor, const Tensor& like) {
  checks::float_operand(op, name, tensor);
  checks::same_device(op, name, tensor, like);
  GYRE_CHECK(tensor.shape() == like.shape(), InvalidArgumentError, op, ": ", name, " ",
             tensor.description(), " must be shaped like ", like.description());
}

}  // namespace

void lstm_cell_forward(const Tensor& gates, const Tensor& c_prev, const Tensor& c, const Tensor& h,
                       const Tensor& mask, std::int64_t step) {
  const char* op = "lstm_cell_forward";
  LstmCellArgs args;
  describe_step(op, gates, c_prev, c, mask, step, args);
  check_like(op, "h", h, c);
  args.gates = checks::f32(gates);
  args.c = checks::f32(c);
  args.h = checks::f32(h);
  checks::backend(gates.device()).lstm_cell_forward(args, checks::stream(gates.device()));
}

void lstm_cell_backward(const Tensor& gates, const Tensor& c_prev, const Tensor& c,
                        const Tensor& dh, const Tensor& dc, const Tensor& dz, const Tensor& mask,
                        std::int64_t step) {
  const char* op = "lstm_cell_backward";
  LstmCellArgs args;
  describe_step(op, gates, c_prev, c, mask, step, args);
  check_like(op, "dh", dh, c);
  check_like(op, "dc", dc, c);
  check_like(op, "dz", dz, gates);
  args.gates = checks::f32(gates);
  args.c = checks::f32(c);
  args.dh = checks::f32(dh);
  args.dc = checks::f32(dc);
  args.dz = checks::f32(dz);
  checks::backend(gates.device()).lstm_cell_backward(args, checks::stream(gates.device()));
}

}  // namespace gyre::kernels
