// Convolution and pooling on cuDNN. The algorithms are chosen once per geometry (cuDNN's
// heuristics, filtered by cudnn_algorithm_choice.h) and cached; the workspace cuDNN asks
// for is the caller's scratch, taken from the Gyre workspace that is active, so no
// cudaMalloc happens here.
#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cudnn_algorithm_choice.h"
#include "kernels/cuda/cudnn_descriptors.h"

namespace gyre::kernels {
namespace {

struct Algorithms {
  cudnnConvolutionFwdAlgo_t forward;
  cudnnConvolutionBwdDataAlgo_t backward_data;
  cudnnConvolutionBwdFilterAlgo_t backward_filter;
  std::size_t scratch_bytes;
};

struct Descriptors {
  explicit Descriptors(const ConvGeometry& g)
      : x(g.batch, g.in_channels, g.height, g.width),
        y(g.batch, g.out_channels, g.out_height(), g.out_width()),
        w(g),
        convolution(g) {}
  cuda::TensorDescriptor x, y;
  cuda::FilterDescriptor w;
  cuda::ConvolutionDescriptor convolution;
};

using GeometryKey =
    std::tuple<int, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
               std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t>;

GeometryKey key_of(const ConvGeometry& g, Device device) {
  return {device.index, g.batch,    g.in_channels, g.height,   g.width, g.out_channels,
          g.kernel_h,   g.kernel_w, g.stride_h,    g.stride_w, g.pad_h, g.pad_w};
}

Algorithms choose(const ConvGeometry& g, Stream stream) {
  static std::mutex mutex;
  static auto* cache = new std::map<GeometryKey, Algorithms>();  // lives as long as the process
  const GeometryKey key = key_of(g, stream.device());
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto found = cache->find(key);
    if (found != cache->end()) return found->second;
  }
  cudnnHandle_t handle = cuda::cudnn(stream);
  const Descriptors d(g);
  Algorithms chosen{};
  const std::string geometry =
      strcat("x [", g.batch, ", ", g.in_channels, ", ", g.height, ", ", g.width, "], ",
             g.out_channels, " filters ", g.kernel_h, "x", g.kernel_w, ", stride ", g.stride_h, "x",
             g.stride_w, ", padding ", g.pad_h, "x", g.pad_w, " on ", stream.device());
  constexpr int kRanked = 16;  // more than cuDNN has algorithms of any kind
  int returned = 0;
  cudnnConvolutionFwdAlgoPerf_t forward[kRanked];
  GYRE_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(handle, d.x, d.w, d.convolution, d.y,
                                                          kRanked, &returned, forward));
  chosen.forward = cuda::choose_algorithm(forward, returned, "forward", geometry).algo;
  cudnnConvolutionBwdDataAlgoPerf_t data[kRanked];
  GYRE_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, d.w, d.y, d.convolution, d.x,
                                                               kRanked, &returned, data));
  chosen.backward_data = cuda::choose_algorithm(data, returned, "backward-data", geometry).algo;
  cudnnConvolutionBwdFilterAlgoPerf_t filter[kRanked];
  GYRE_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, d.x, d.y, d.convolution,
                                                                 d.w, kRanked, &returned, filter));
  chosen.backward_filter =
      cuda::choose_algorithm(filter, returned, "backward-filter", geometry).algo;
  std::size_t forward_bytes = 0, data_bytes = 0, filter_bytes = 0;
  GYRE_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(handle, d.x, d.w, d.convolution, d.y,
                                                           chosen.forward, &forward_bytes));
  GYRE_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(
      handle, d.w, d.y, d.convolution, d.x, chosen.backward_data, &data_bytes));
  GYRE_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
      handle, d.x, d.y, d.convolution, d.w, chosen.backward_filter, &filter_bytes));
  chosen.scratch_bytes = std::max({forward_bytes, data_bytes, filter_bytes});
  std::lock_guard<std::mutex> lock(mutex);
  cache->emplace(key, chosen);
  return chosen;
}

constexpr float kOne = 1.0f, kZero = 0.0f;

}  // namespace

std::size_t CudaBackend::convolution_scratch_bytes(const ConvGeometry& g, Stream stream) {
  return choose(g, stream).scratch_bytes;
}

void CudaBackend::convolution_forward(const ConvGeometry& g, const float* x, const float* w,
                                      float* y, void* scratch, Stream stream) {
  const Algorithms algorithms = choose(g, stream);
  const Descriptors d(g);
  GYRE_CUDNN_CHECK(cudnnConvolutionForward(cuda::cudnn(stream), &kOne, d.x, x, d.w, w,
                                           d.convolution, algorithms.forward, scratch,
                                           algorithms.scratch_bytes, &kZero, d.y, y));
}

void CudaBackend::convolution_backward_data(const ConvGeometry& g, const float* w, const float* dy,
                                            float* dx, void* scratch, Stream stream) {
  const Algorithms algorithms = choose(g, stream);
  const Descriptors d(g);
  GYRE_CUDNN_CHECK(cudnnConvolutionBackwardData(cuda::cudnn(stream), &kOne, d.w, w, d.y, dy,
                                                d.convolution, algorithms.backward_data, scratch,
                                                algorithms.scratch_bytes, &kZero, d.x, dx));
}

void CudaBackend::convolution_backward_filter(const ConvGeometry& g, const float* x,
                                              const float* dy, float* dw, void* scratch,
                                              Stream stream) {
  const Algorithms algorithms = choose(g, stream);
  const Descriptors d(g);
  GYRE_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
      cuda::cudnn(stream), &kOne, d.x, x, d.y, dy, d.convolution, algorithms.backward_filter,
      scratch, algorithms.scratch_bytes, &kZero, d.w, dw));
}

void CudaBackend::pooling_forward(Pooling pooling, const ConvGeometry& g, const float* x, float* y,
                                  Stream stream) {
  const cuda::PoolingDescriptor window(pooling, g);
  const cuda::TensorDescriptor x_descriptor(g.batch, g.in_channels, g.height, g.width);
  const cuda::TensorDescriptor y_descriptor(g.batch, g.in_channels, g.out_height(), g.out_width());
  GYRE_CUDNN_CHECK(cudnnPoolingForward(cuda::cudnn(stream), window, &kOne, x_descriptor, x, &kZero,
                                       y_descriptor, y));
}

void CudaBackend::pooling_backward(Pooling pooling, const ConvGeometry& g, const float* x,
                                   const float* y, const float* dy, float* dx, Stream stream) {
  const cuda::PoolingDescriptor window(pooling, g);
  const cuda::TensorDescriptor x_descriptor(g.batch, g.in_channels, g.height, g.width);
  const cuda::TensorDescriptor y_descriptor(g.batch, g.in_channels, g.out_height(), g.out_width());
  GYRE_CUDNN_CHECK(cudnnPoolingBackward(cuda::cudnn(stream), window, &kOne, y_descriptor, y,
                                        y_descriptor, dy, x_descriptor, x, &kZero, x_descriptor,
                                        dx));
}

}  // namespace gyre::kernels
