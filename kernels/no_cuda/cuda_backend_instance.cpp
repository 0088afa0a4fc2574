// Builds without CUDA: asking for the CUDA kernels is a clear error.
#include "kernels/backend.h"
#include "runtime/error.h"

namespace gyre::kernels {

Backend& cuda_backend_instance() {
  throw NotAvailableError(
      "the CUDA kernels are not available in this build; configure with -DGYRE_CUDA=ON");
}

}  // namespace gyre::kernels
