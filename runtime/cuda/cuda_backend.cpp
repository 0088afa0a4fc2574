// The CUDA seam: every call into the CUDA runtime that the generic runtime needs.
#include "runtime/cuda_backend.h"

#include <cuda_runtime_api.h>

#include "runtime/cuda/cuda_check.h"

namespace gyre::cuda_backend {

void throw_cuda_error(cudaError_t status, const char* call, const char* file, int line) {
  cudaGetLastError();  // reset the last-error slot so later calls are not blamed for this one
  int device = -1;
  cudaGetDevice(&device);
  const std::string message =
      strcat(call, " failed at ", file, ":", line, " on cuda:", device, ": ",
             cudaGetErrorName(status), " (", cudaGetErrorString(status), ")");
  if (status == cudaErrorMemoryAllocation) throw OutOfMemoryError(message);
  throw CudaError(message, static_cast<int>(status));
}

namespace {
cudaStream_t as_stream(void* stream) {
  return static_cast<cudaStream_t>(stream);
}
cudaEvent_t as_event(void* event) {
  return static_cast<cudaEvent_t>(event);
}

// Sets the device for one call and restores the caller's afterwards.
class ScopedDevice {
 public:
  explicit ScopedDevice(int device) {
    GYRE_CUDA_CHECK(cudaGetDevice(&previous_));
    if (previous_ != device) GYRE_CUDA_CHECK(cudaSetDevice(device));
  }
  ~ScopedDevice() { cudaSetDevice(previous_); }
  ScopedDevice(const ScopedDevice&) = delete;
  ScopedDevice& operator=(const ScopedDevice&) = delete;

 private:
  int previous_ = 0;
};
}  // namespace

bool compiled() {
  return true;
}

int device_count() noexcept {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return count;
}

DeviceProperties properties(int device) {
  cudaDeviceProp prop{};
  GYRE_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  DeviceProperties result;
  result.name = prop.name;
  result.total_memory = prop.totalGlobalMem;
  result.compute_major = prop.major;
  result.compute_minor = prop.minor;
  result.multiprocessors = prop.multiProcessorCount;
  ScopedDevice scoped(device);
  std::size_t free_bytes = 0, total_bytes = 0;
  GYRE_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  result.free_memory = free_bytes;
  return result;
}

int runtime_version() noexcept {
  int version = 0;
  return cudaRuntimeGetVersion(&version) == cudaSuccess ? version : 0;
}

int driver_version() noexcept {
  int version = 0;
  return cudaDriverGetVersion(&version) == cudaSuccess ? version : 0;
}

int current_device() noexcept {
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return device;
}

void set_current_device(int device) {
  GYRE_CUDA_CHECK(cudaSetDevice(device));
}
void set_current_device_noexcept(int device) noexcept {
  cudaSetDevice(device);
}

void* malloc_device(std::size_t bytes, int device) {
  ScopedDevice scoped(device);
  void* pointer = nullptr;
  GYRE_CUDA_CHECK(cudaMalloc(&pointer, bytes));
  return pointer;
}

void free_device(void* pointer, int device) noexcept {
  int previous = 0;
  cudaGetDevice(&previous);
  cudaSetDevice(device);
  cudaFree(pointer);  // may fail at process exit once the driver is shut down: tolerated
  cudaSetDevice(previous);
}

void* malloc_device_async(std::size_t bytes, void* stream, int device) {
  ScopedDevice scoped(device);
  void* pointer = nullptr;
  GYRE_CUDA_CHECK(cudaMallocAsync(&pointer, bytes, as_stream(stream)));
  return pointer;
}

void free_device_async(void* pointer, void* stream, int device) noexcept {
  int previous = 0;
  cudaGetDevice(&previous);
  cudaSetDevice(device);
  cudaFreeAsync(pointer, as_stream(stream));
  cudaSetDevice(previous);
}

void* malloc_pinned(std::size_t bytes) {
  void* pointer = nullptr;
  GYRE_CUDA_CHECK(cudaHostAlloc(&pointer, bytes, cudaHostAllocPortable));
  return pointer;
}

void free_pinned(void* pointer) noexcept {
  cudaFreeHost(pointer);
}

void copy_async(void* destination, const void* source, std::size_t bytes, void* stream) {
  GYRE_CUDA_CHECK(
      cudaMemcpyAsync(destination, source, bytes, cudaMemcpyDefault, as_stream(stream)));
}

void memset_async(void* destination, int value, std::size_t bytes, void* stream) {
  GYRE_CUDA_CHECK(cudaMemsetAsync(destination, value, bytes, as_stream(stream)));
}

void* create_stream(int device) {
  ScopedDevice scoped(device);
  cudaStream_t stream = nullptr;
  GYRE_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  return stream;
}

void destroy_stream(void* stream) noexcept {
  cudaStreamDestroy(as_stream(stream));
}
void synchronize_stream(void* stream) {
  GYRE_CUDA_CHECK(cudaStreamSynchronize(as_stream(stream)));
}

void* create_event(int device) {
  ScopedDevice scoped(device);
  cudaEvent_t event = nullptr;
  GYRE_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  return event;
}

void destroy_event(void* event) noexcept {
  cudaEventDestroy(as_event(event));
}
void record_event(void* event, void* stream) {
  GYRE_CUDA_CHECK(cudaEventRecord(as_event(event), as_stream(stream)));
}
void begin_capture(void* stream) {
  GYRE_CUDA_CHECK(cudaStreamBeginCapture(as_stream(stream), cudaStreamCaptureModeThreadLocal));
}
bool is_capturing(void* stream) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  GYRE_CUDA_CHECK(cudaStreamIsCapturing(as_stream(stream), &status));
  return status != cudaStreamCaptureStatusNone;
}
void* end_capture(void* stream) noexcept {
  cudaGraph_t graph = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(as_stream(stream), &graph);
  cudaGraphExec_t exec = nullptr;
  if (ended == cudaSuccess && graph != nullptr &&
      cudaGraphInstantiate(&exec, graph, 0) != cudaSuccess)
    exec = nullptr;
  if (graph != nullptr) cudaGraphDestroy(graph);
  cudaGetLastError();  // a failed capture leaves an error behind: the caller falls back
  return exec;
}
void launch_graph(void* graph, void* stream) {
  GYRE_CUDA_CHECK(cudaGraphLaunch(static_cast<cudaGraphExec_t>(graph), as_stream(stream)));
}
void destroy_graph(void* graph) noexcept {
  if (graph != nullptr) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(graph));
}
void stream_wait_event(void* stream, void* event) {
  GYRE_CUDA_CHECK(cudaStreamWaitEvent(as_stream(stream), as_event(event), 0));
}
bool event_completed(void* event) {
  const cudaError_t status = cudaEventQuery(as_event(event));
  if (status == cudaErrorNotReady) {
    cudaGetLastError();
    return false;
  }
  GYRE_CUDA_CHECK(status);
  return true;
}
void synchronize_event(void* event) {
  GYRE_CUDA_CHECK(cudaEventSynchronize(as_event(event)));
}

}  // namespace gyre::cuda_backend
