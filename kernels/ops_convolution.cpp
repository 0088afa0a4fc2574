// conv2d forward / backward-data / backward-filter and 2-D pooling (NCHW).
#include <algorithm>

#include "kernels/batch_invariance.h"
#include "kernels/operand_checks.h"
#include "kernels/ops.h"
#include "runtime/error.h"

namespace gyre::kernels {
namespace {

ConvGeometry conv_geometry(const char* op, const Shape& x, const Shape& w,
                           const Conv2dOptions& options) {
  GYRE_CHECK(x.rank() == 4 && w.rank() == 4 && x.dim(1) == w.dim(1), InvalidArgumentError, op,
             ": x ", x, " must be [N, C, H, W] and w ", w, " [O, C, KH, KW] with the same C");
  GYRE_CHECK(
      options.stride_h > 0 && options.stride_w > 0 && options.pad_h >= 0 && options.pad_w >= 0,
      InvalidArgumentError, op, ": strides (", options.stride_h, ", ", options.stride_w,
      ") must be > 0 and paddings (", options.pad_h, ", ", options.pad_w, ") >= 0");
  ConvGeometry g;
  g.batch = x.dim(0);
  g.in_channels = x.dim(1);
  g.height = x.dim(2);
  g.width = x.dim(3);
  g.out_channels = w.dim(0);
  g.kernel_h = w.dim(2);
  g.kernel_w = w.dim(3);
  g.stride_h = options.stride_h;
  g.stride_w = options.stride_w;
  g.pad_h = options.pad_h;
  g.pad_w = options.pad_w;
  GYRE_CHECK(g.height + 2 * g.pad_h >= g.kernel_h && g.width + 2 * g.pad_w >= g.kernel_w,
             InvalidArgumentError, op, ": the kernel ", w, " is larger than the padded input ", x);
  // One GEMM over several images' columns instead of one small GEMM per image, within a
  // scratch budget (columns and the output staged as [O, images · HW]). Chosen here, on the
  // calling thread, so that the scratch and the kernel agree on every backend.
  constexpr std::int64_t kScratchBudget = std::int64_t{8} << 20;
  const std::int64_t per_image = (g.in_channels * g.kernel_h * g.kernel_w + g.out_channels) *
                                 g.out_height() * g.out_width() *
                                 static_cast<std::int64_t>(sizeof(float));
  g.images_per_gemm =
      BatchInvariantScope::active()
          ? 1
          : std::clamp<std::int64_t>(kScratchBudget / std::max<std::int64_t>(per_image, 1), 1,
                                     std::max<std::int64_t>(g.batch, 1));
  return g;
}

Shape conv_output_shape(const ConvGeometry& g) {
  return Shape{g.batch, g.out_channels, g.out_height(), g.out_width()};
}

// Scratch for the backend, from the active workspace (a layer's working memory), else detached.
Tensor scratch(Backend& backend, const ConvGeometry& g, Device device) {
  const std::size_t bytes = backend.convolution_scratch_bytes(g, checks::stream(device));
  return Tensor::empty(Shape{static_cast<std::int64_t>(bytes)}, DType::u8, device);
}

ConvGeometry pool_geometry(const char* op, const Shape& x, const Pool2dOptions& options) {
  GYRE_CHECK(x.rank() == 4, InvalidArgumentError, op, ": x ", x, " must be [N, C, H, W]");
  GYRE_CHECK(options.kernel_h > 0 && options.kernel_w > 0 && options.stride_h > 0 &&
                 options.stride_w > 0 && options.pad_h >= 0 && options.pad_w >= 0 &&
                 options.pad_h < options.kernel_h && options.pad_w < options.kernel_w,
             InvalidArgumentError, op, ": window ", options.kernel_h, "x", options.kernel_w,
             ", stride ", options.stride_h, "x", options.stride_w, ", padding ", options.pad_h, "x",
             options.pad_w, " is not a valid pooling (sizes > 0, padding < window)");
  ConvGeometry g;
  g.batch = x.dim(0);
  g.in_channels = g.out_channels = x.dim(1);
  g.height = x.dim(2);
  g.width = x.dim(3);
  g.kernel_h = options.kernel_h;
  g.kernel_w = options.kernel_w;
  g.stride_h = options.stride_h;
  g.stride_w = options.stride_w;
  g.pad_h = options.pad_h;
  g.pad_w = options.pad_w;
  GYRE_CHECK(g.height + 2 * g.pad_h >= g.kernel_h && g.width + 2 * g.pad_w >= g.kernel_w,
             InvalidArgumentError, op, ": the window is larger than the padded input ", x);
  return g;
}

}  // namespace

Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Conv2dOptions& options, Tensor out) {
  const char* op = "conv2d_forward";
  checks::float_operand(op, "x", x);
  checks::float_operand(op, "w", w);
  checks::same_device(op, "w", w, x);
  const ConvGeometry g = conv_geometry(op, x.shape(), w.shape(), options);
  Tensor y = checks::output(op, "out", out, conv_output_shape(g), DType::f32, x.device());
  Backend& backend = checks::backend(x.device());
  Tensor work = scratch(backend, g, x.device());
  backend.convolution_forward(g, checks::f32(x), checks::f32(w), checks::f32(y),
                              work.unchecked_data(), checks::stream(x.device()));
  return y;
}

Tensor conv2d_backward_data(const Tensor& w, const Tensor& dy, const Shape& x_shape,
                            const Conv2dOptions& options, Tensor dx) {
  const char* op = "conv2d_backward_data";
  checks::float_operand(op, "w", w);
  checks::float_operand(op, "dy", dy);
  checks::same_device(op, "dy", dy, w);
  const ConvGeometry g = conv_geometry(op, x_shape, w.shape(), options);
  GYRE_CHECK(dy.shape() == conv_output_shape(g), InvalidArgumentError, op, ": dy ",
             dy.description(), " must be ", conv_output_shape(g));
  Tensor result = checks::output(op, "dx", dx, x_shape, DType::f32, w.device());
  Backend& backend = checks::backend(w.device());
  Tensor work = scratch(backend, g, w.device());
  backend.convolution_backward_data(g, checks::f32(w), checks::f32(dy), checks::f32(result),
                                    work.unchecked_data(), checks::stream(w.device()));
  return result;
}

Tensor conv2d_backward_filter(const Tensor& x, const Tensor& dy, const Shape& w_shape,
                              const Conv2dOptions& options, Tensor dw) {
  const char* op = "conv2d_backward_filter";
  checks::float_operand(op, "x", x);
  checks::float_operand(op, "dy", dy);
  checks::same_device(op, "dy", dy, x);
  const ConvGeometry g = conv_geometry(op, x.shape(), w_shape, options);
  GYRE_CHECK(dy.shape() == conv_output_shape(g), InvalidArgumentError, op, ": dy ",
             dy.description(), " must be ", conv_output_shape(g));
  Tensor result = checks::output(op, "dw", dw, w_shape, DType::f32, x.device());
  Backend& backend = checks::backend(x.device());
  Tensor work = scratch(backend, g, x.device());
  backend.convolution_backward_filter(g, checks::f32(x), checks::f32(dy), checks::f32(result),
                                      work.unchecked_data(), checks::stream(x.device()));
  return result;
}

Tensor pool2d_forward(Pooling pooling, const Tensor& x, const Pool2dOptions& options, Tensor out) {
  const char* op = "pool2d_forward";
  checks::float_operand(op, "x", x);
  const ConvGeometry g = pool_geometry(op, x.shape(), options);
  Tensor y = checks::output(op, "out", out, conv_output_shape(g), DType::f32, x.device());
  checks::backend(x.device())
      .pooling_forward(pooling, g, checks::f32(x), checks::f32(y), checks::stream(x.device()));
  return y;
}

Tensor pool2d_backward(Pooling pooling, const Tensor& x, const Tensor& y, const Tensor& dy,
                       const Pool2dOptions& options, Tensor dx) {
  const char* op = "pool2d_backward";
  checks::float_operand(op, "x", x);
  checks::float_operand(op, "y", y);
  checks::float_operand(op, "dy", dy);
  checks::same_device(op, "y", y, x);
  checks::same_device(op, "dy", dy, x);
  const ConvGeometry g = pool_geometry(op, x.shape(), options);
  GYRE_CHECK(y.shape() == conv_output_shape(g) && dy.shape() == y.shape(), InvalidArgumentError, op,
             ": y ", y.description(), " and dy ", dy.description(), " must be ",
             conv_output_shape(g));
  Tensor result = checks::output(op, "dx", dx, x.shape(), DType::f32, x.device());
  checks::backend(x.device())
      .pooling_backward(pooling, g, checks::f32(x), checks::f32(y), checks::f32(dy),
                        checks::f32(result), checks::stream(x.device()));
  return result;
}

}  // namespace gyre::kernels
