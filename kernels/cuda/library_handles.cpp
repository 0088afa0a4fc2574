#include "kernels/cuda/library_handles.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "runtime/cuda/cuda_check.h"
#include "runtime/device.h"

namespace gyre::kernels::cuda {
namespace {

// cuBLAS's workspace: cublasSetStream resets a handle's workspace to cuBLAS's own pool,
// which allocates (invalid inside a graph capture, and eager and graphed steps could then
// pick different kernels). So each (handle, stream) gets a workspace of its own, set with
// cublasSetWorkspace when the handle moves to that stream, and kept while the handle stays.
// 32 MiB: what NVIDIA advises for Hopper (more than earlier GPUs need).
constexpr std::size_t kCublasWorkspaceBytes = std::size_t{32} << 20;
// Workspaces kept per thread and device, least recently used dropped beyond it.
constexpr std::size_t kCublasWorkspacesKept = 8;

struct StreamWorkspace {
  unsigned long long stream_id = 0;  // cudaStreamGetId: unique, never reused (handles are)
  void* memory = nullptr;
  std::uint64_t last_use = 0;
};

// Per thread: the handles of each device, destroyed at thread exit. A destroy that fails
// because the driver is already shut down (process exit) is tolerated.
struct ThreadHandles {
  cublasHandle_t cublas[kMaxDevices] = {};
  cudnnHandle_t cudnn[kMaxDevices] = {};
  std::vector<StreamWorkspace> cublas_workspaces[kMaxDevices];
  bool cublas_bound[kMaxDevices] = {};
  unsigned long long cublas_stream_id[kMaxDevices] = {};  // the stream the handle is on
  std::uint64_t uses = 0;
  float* ones[kMaxDevices] = {};
  std::int64_t ones_count[kMaxDevices] = {};
  ~ThreadHandles() {
    for (float* memory : ones) cudaFree(memory);
    for (cublasHandle_t handle : cublas) {
      if (handle != nullptr) cublasDestroy(handle);
    }
    for (cudnnHandle_t handle : cudnn) {
      if (handle != nullptr) cudnnDestroy(handle);
    }
    for (const std::vector<StreamWorkspace>& workspaces : cublas_workspaces) {
      for (const StreamWorkspace& workspace : workspaces) cudaFree(workspace.memory);
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

namespace {
// The workspace of the stream `id` on this thread's handle of `slot`'s device: made on the
// stream's first GEMM (an eager one: a graph's learning step runs before its capture).
void* cublas_workspace(ThreadHandles& thread, int slot, int device, unsigned long long id) {
  std::vector<StreamWorkspace>& workspaces = thread.cublas_workspaces[slot];
  for (StreamWorkspace& workspace : workspaces) {
    if (workspace.stream_id == id) {
      workspace.last_use = ++thread.uses;
      return workspace.memory;
    }
  }
  const CurrentDevice on_device(device);
  if (workspaces.size() >= kCublasWorkspacesKept) {  // a stream long unused: likely gone
    auto oldest = std::min_element(
        workspaces.begin(), workspaces.end(),
        [](const StreamWorkspace& a, const StreamWorkspace& b) { return a.last_use < b.last_use; });
    GYRE_CUDA_CHECK(cudaFree(oldest->memory));  // synchronizes: no kernel still uses it
    workspaces.erase(oldest);
  }
  StreamWorkspace made;
  made.stream_id = id;
  GYRE_CUDA_CHECK(cudaMalloc(&made.memory, kCublasWorkspaceBytes));
  made.last_use = ++thread.uses;
  workspaces.push_back(made);
  return made.memory;
}
}  // namespace

cublasHandle_t cublas(Stream stream) {
  ThreadHandles& thread = handles();
  const int slot = device_slot(stream.device());
  cublasHandle_t& handle = thread.cublas[slot];
  if (handle == nullptr) {
    CurrentDevice device(stream.device().index);
    GYRE_CUBLAS_CHECK(cublasCreate(&handle));
  }
  unsigned long long id = 0;
  GYRE_CUDA_CHECK(cudaStreamGetId(native(stream), &id));
  if (thread.cublas_bound[slot] && thread.cublas_stream_id[slot] == id) return handle;
  void* workspace = cublas_workspace(thread, slot, stream.device().index, id);
  GYRE_CUBLAS_CHECK(cublasSetStream(handle, native(stream)));
  GYRE_CUBLAS_CHECK(cublasSetWorkspace(handle, workspace, kCublasWorkspaceBytes));
  thread.cublas_bound[slot] = true;
  thread.cublas_stream_id[slot] = id;
  return handle;
}

const float* ones(Stream stream, std::int64_t count) {
  ThreadHandles& thread = handles();
  const int slot = device_slot(stream.device());
  if (thread.ones_count[slot] < count) {
    const CurrentDevice on_device(stream.device().index);
    GYRE_CUDA_CHECK(cudaFree(thread.ones[slot]));  // synchronizes: no kernel still reads it
    thread.ones[slot] = nullptr;
    thread.ones_count[slot] = 0;
    const std::vector<float> host(static_cast<std::size_t>(count), 1.0f);
    void* allocated = nullptr;
    GYRE_CUDA_CHECK(cudaMalloc(&allocated, host.size() * sizeof(float)));
    auto* memory = static_cast<float*>(allocated);
    thread.ones[slot] = memory;
    GYRE_CUDA_CHECK(cudaMemcpy(memory, host.data(), host.size() * sizeof(float),
                               cudaMemcpyHostToDevice));  // done before any stream reads it
    thread.ones_count[slot] = count;
  }
  return thread.ones[slot];
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
