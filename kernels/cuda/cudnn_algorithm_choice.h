#pragma once
// Which of cuDNN's ranked convolution algorithms Gyre runs. cuDNN's heuristics return up to
// N results, fastest first, but a result may say the algorithm is unsupported for this
// geometry (status), may use atomics (determinism: backward-filter and backward-data
// algorithms do), or may need tensor-op math that changes the numerics (TF32). Gyre
// promises training that is deterministic given its seed and FP32 results that agree with
// the CPU oracle, so it takes the fastest result that ran, is deterministic and uses FMA
// math, and says so when none is.
#include <cudnn.h>

#include <string>

#include "runtime/error.h"

namespace gyre::kernels::cuda {

/// Whether one of cuDNN's perf results may be used (template: the forward, backward-data
/// and backward-filter result types share these fields).
template <typename Perf>
bool acceptable(const Perf& result) {
  return result.status == CUDNN_STATUS_SUCCESS && result.determinism == CUDNN_DETERMINISTIC &&
         (result.mathType == CUDNN_DEFAULT_MATH || result.mathType == CUDNN_FMA_MATH);
}

/// The first acceptable result of the `returned` that cuDNN wrote (fastest first). Throws
/// NotAvailableError naming the pass and the geometry when none is.
template <typename Perf>
const Perf& choose_algorithm(const Perf* results, int returned, const char* pass,
                             const std::string& geometry) {
  for (int i = 0; i < returned; ++i) {
    if (acceptable(results[i])) return results[i];
  }
  throw NotAvailableError(
      strcat("cuDNN has no deterministic FP32 (FMA) ", pass, " convolution algorithm for ",
             geometry, " among the ", returned,
             " it ranked; use another geometry, or run this layer on the CPU (--device cpu)"));
}

}  // namespace gyre::kernels::cuda
