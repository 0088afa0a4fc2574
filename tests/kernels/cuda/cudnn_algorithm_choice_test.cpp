// Which of cuDNN's ranked convolution algorithms Gyre runs. Built in the
// CUDA variant (it needs cudnn.h), it needs no GPU: the choice is a pure function of
// cuDNN's results.
#include "kernels/cuda/cudnn_algorithm_choice.h"

#include <catch2/catch.hpp>

using namespace gyre;
using gyre::kernels::cuda::choose_algorithm;

namespace {
cudnnConvolutionBwdFilterAlgoPerf_t result(cudnnConvolutionBwdFilterAlgo_t algo,
                                           cudnnStatus_t status, cudnnDeterminism_t determinism,
                                           cudnnMathType_t math = CUDNN_FMA_MATH) {
  cudnnConvolutionBwdFilterAlgoPerf_t perf{};
  perf.algo = algo;
  perf.status = status;
  perf.determinism = determinism;
  perf.mathType = math;
  return perf;
}
}  // namespace

TEST_CASE("the fastest deterministic FP32 algorithm that ran is chosen", "[kernels]") {
  const cudnnConvolutionBwdFilterAlgoPerf_t ranked[] = {
      // The fastest uses atomics: its sums' order, and so its bits, change from run to run.
      result(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0, CUDNN_STATUS_SUCCESS, CUDNN_NON_DETERMINISTIC),
      // Unsupported for this geometry.
      result(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT, CUDNN_STATUS_NOT_SUPPORTED,
             CUDNN_DETERMINISTIC),
      // TF32 tensor cores: not the FP32 the CPU oracle computes.
      result(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, CUDNN_STATUS_SUCCESS, CUDNN_DETERMINISTIC,
             CUDNN_TENSOR_OP_MATH),
      result(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3, CUDNN_STATUS_SUCCESS, CUDNN_DETERMINISTIC),
      result(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, CUDNN_STATUS_SUCCESS, CUDNN_DETERMINISTIC),
  };
  CHECK(choose_algorithm(ranked, 5, "backward-filter", "g").algo ==
        CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3);
}

TEST_CASE("only the results cuDNN returned are read", "[kernels]") {
  const cudnnConvolutionBwdFilterAlgoPerf_t ranked[] = {
      result(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0, CUDNN_STATUS_SUCCESS, CUDNN_NON_DETERMINISTIC),
      // Past `returned`: whatever the array held before the call.
      result(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, CUDNN_STATUS_SUCCESS, CUDNN_DETERMINISTIC),
  };
  CHECK_THROWS_AS(choose_algorithm(ranked, 1, "backward-filter", "g"), NotAvailableError);
  CHECK_THROWS_AS(choose_algorithm(ranked, 0, "backward-filter", "g"), NotAvailableError);
}

TEST_CASE("no acceptable algorithm is an error naming the pass and the geometry", "[kernels]") {
  const cudnnConvolutionBwdFilterAlgoPerf_t ranked[] = {
      result(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0, CUDNN_STATUS_SUCCESS, CUDNN_NON_DETERMINISTIC),
  };
  CHECK_THROWS_WITH(choose_algorithm(ranked, 1, "backward-filter", "x [8, 3, 32, 32] on cuda:0"),
                    Catch::Matchers::Contains("backward-filter") &&
                        Catch::Matchers::Contains("x [8, 3, 32, 32] on cuda:0") &&
                        Catch::Matchers::Contains("deterministic"));
}
