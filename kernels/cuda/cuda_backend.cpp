#include "kernels/cuda/cuda_backend.h"

namespace gyre::kernels {

Backend& cuda_backend_instance() {
  static CudaBackend backend;
  return backend;
}

}  // namespace gyre::kernels
