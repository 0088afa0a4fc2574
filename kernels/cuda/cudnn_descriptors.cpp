#include "kernels/cuda/cudnn_descriptors.h"

namespace gyre::kernels::cuda {
namespace {
int as_int(std::int64_t value) {
  return static_cast<int>(value);
}
}  // namespace

TensorDescriptor::TensorDescriptor(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) {
  GYRE_CUDNN_CHECK(cudnnCreateTensorDescriptor(&descriptor_));
  GYRE_CUDNN_CHECK(cudnnSetTensor4dDescriptor(descriptor_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                              as_int(n), as_int(c), as_int(h), as_int(w)));
}

FilterDescriptor::FilterDescriptor(const ConvGeometry& g) {
  GYRE_CUDNN_CHECK(cudnnCreateFilterDescriptor(&descriptor_));
  GYRE_CUDNN_CHECK(cudnnSetFilter4dDescriptor(descriptor_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                              as_int(g.out_channels), as_int(g.in_channels),
                                              as_int(g.kernel_h), as_int(g.kernel_w)));
}

ConvolutionDescriptor::ConvolutionDescriptor(const ConvGeometry& g) {
  GYRE_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&descriptor_));
  GYRE_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(descriptor_, as_int(g.pad_h), as_int(g.pad_w),
                                                   as_int(g.stride_h), as_int(g.stride_w), 1, 1,
                                                   CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  // Plain FP32 arithmetic (no TF32), so that results agree with the CPU oracle.
  GYRE_CUDNN_CHECK(cudnnSetConvolutionMathType(descriptor_, CUDNN_FMA_MATH));
}

PoolingDescriptor::PoolingDescriptor(Pooling pooling, const ConvGeometry& g) {
  GYRE_CUDNN_CHECK(cudnnCreatePoolingDescriptor(&descriptor_));
  const cudnnPoolingMode_t mode = pooling == Pooling::max
                                      ? CUDNN_POOLING_MAX_DETERMINISTIC
                                      : CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
  GYRE_CUDNN_CHECK(cudnnSetPooling2dDescriptor(
      descriptor_, mode, CUDNN_NOT_PROPAGATE_NAN, as_int(g.kernel_h), as_int(g.kernel_w),
      as_int(g.pad_h), as_int(g.pad_w), as_int(g.stride_h), as_int(g.stride_w)));
}

}  // namespace gyre::kernels::cuda
