#pragma once
// The one seam between Gyre and the CUDA runtime. Declared here without CUDA types;
// implemented in runtime/cuda/ when the build has CUDA, and by runtime/no_cuda/ otherwise,
// whose functions report that CUDA is not available (device_count() returns 0).
// Handles are opaque pointers (cudaStream_t, cudaEvent_t).
#include <cstddef>
#include <cstdint>
#include <string>

namespace gyre::cuda_backend {

struct DeviceProperties {
  std::string name;
  std::size_t total_memory = 0;
  std::size_t free_memory = 0;
  int compute_major = 0;
  int compute_minor = 0;
  int multiprocessors = 0;
};

/// True when this build has the CUDA backend.
bool compiled();
/// Visible CUDA devices; 0 without a driver, without a GPU, or without CUDA in the build.
int device_count() noexcept;
DeviceProperties properties(int device);
/// CUDA runtime and driver versions as CUDA encodes them (12040 = 12.4); 0 when absent.
int runtime_version() noexcept;
int driver_version() noexcept;

/// cudaGetDevice: the thread's current device (0 when it never set one, or without CUDA).
int current_device() noexcept;
void set_current_device(int device);
void set_current_device_noexcept(int device) noexcept;

void* malloc_device(std::size_t bytes, int device);
void free_device(void* pointer, int device) noexcept;
void* malloc_device_async(std::size_t bytes, void* stream, int device);
void free_device_async(void* pointer, void* stream, int device) noexcept;
void* malloc_pinned(std::size_t bytes);
void free_pinned(void* pointer) noexcept;

// Virtual memory management (stable-address arenas). vmm_granularity is 0 when the device
// (or the driver) cannot map memory into reserved addresses.
std::size_t vmm_granularity(int device);
void* vmm_reserve(std::size_t bytes, int device);
void vmm_release(void* base, std::size_t bytes) noexcept;
/// Backs [address, address + bytes) with new memory of `device`; returns its handle.
void* vmm_map(void* address, std::size_t bytes, int device);
/// Waits for `device`'s work (cuMemUnmap, unlike cudaFree, may not), then unmaps and
/// releases the memory vmm_map gave.
void vmm_unmap(void* address, std::size_t bytes, void* handle, int device) noexcept;

/// Asynchronous copy in stream order (cudaMemcpyDefault: any direction).
void copy_async(void* destination, const void* source, std::size_t bytes, void* stream);
void memset_async(void* destination, int value, std::size_t bytes, void* stream);

// CUDA graphs: capture a stream's work (thread-local mode), instantiate, replay.
void begin_capture(void* stream);
/// Whether the stream is capturing (cudaStreamIsCapturing).
bool is_capturing(void* stream);
/// Ends the capture; returns the instantiated graph, or null if the capture failed (the
/// stream has left capture mode either way and the error slot is clear).
void* end_capture(void* stream) noexcept;
void launch_graph(void* graph, void* stream);
void destroy_graph(void* graph) noexcept;

void* create_stream(int device);
void destroy_stream(void* stream) noexcept;
void synchronize_stream(void* stream);

void* create_event(int device);
void destroy_event(void* event) noexcept;
void record_event(void* event, void* stream);
/// Makes `stream` wait for `event` without blocking the host.
void stream_wait_event(void* stream, void* event);
/// True once the work recorded before the event has completed.
bool event_completed(void* event);
void synchronize_event(void* event);

}  // namespace gyre::cuda_backend
