#include "kernels/cuda/library_handles.h"

#include "runtime/cuda/cuda_check.h"
#include "runtime/device.h"

namespace gyre::kernels::cuda {
namespace {

// Per thread: the handles of each device, destroyed at thread exit. A destroy that fails
// because the driver is already shut down (process exit) is tolerated.
struct ThreadHandles {
  cublasHandle_t cublas[kMaxDevices] = {};
  cudnnHandle_t cudnn[kMaxDevices] = {};
  ~ThreadHandles() {
    for (cublasHandle_t handle : cublas) {
      if (handle != nullptr) cublasDestroy(handle);
    }
    for (cudnnHandle_t handle : cudnn) {
      if (handle != nullptr) cudnnDestroy(handle);
    }
  }
};

ThreadHandles& handles() {
  thread_local ThreadHandles instance;
  return instance;
}

// Makes the stream's device current for the creation of its handle.
class CurrentDevice {
 public:
  explicit CurrentDevice(int device) {
    GYRE_CUDA_CHECK(cudaGetDevice(&previous_));
    GYRE_CUDA_CHECK(cudaSetDevice(device));
  }
  ~CurrentDevice() { cudaSetDevice(previous_); }
  CurrentDevice(const CurrentDevice&) = delete;
  CurrentDevice& operator=(const CurrentDevice&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace

cudaStream_t native(Stream stream) {
  return static_cast<cudaStream_t>(stream.handle());
}

cublasHandle_t cublas(Stream stream) {
  cublasHandle_t& handle = handles().cublas[device_slot(stream.device())];
  if (handle == nullptr) {
    CurrentDevice device(stream.device().index);
    GYRE_CUBLAS_CHECK(cublasCreate(&handle));
  }
  GYRE_CUBLAS_CHECK(cublasSetStream(handle, native(stream)));
  return handle;
}

cudnnHandle_t cudnn(Stream stream) {
  cudnnHandle_t& handle = handles().cudnn[device_slot(stream.device())];
  if (handle == nullptr) {
    CurrentDevice device(stream.device().index);
    GYRE_CUDNN_CHECK(cudnnCreate(&handle));
  }
  GYRE_CUDNN_CHECK(cudnnSetStream(handle, native(stream)));
  return handle;
}

void throw_cublas_error(cublasStatus_t status, const char* call, const char* file, int line) {
  throw CudaError(strcat(call, " failed at ", file, ":", line, ": ", cublasGetStatusName(status),
                         " (", cublasGetStatusString(status), ")"),
                  static_cast<int>(status));
}

void throw_cudnn_error(cudnnStatus_t status, const char* call, const char* file, int line) {
  throw CudaError(strcat(call, " failed at ", file, ":", line, ": ", cudnnGetErrorString(status)),
                  static_cast<int>(status));
}

}  // namespace gyre::kernels::cuda
