#pragma once
// Accelerator: what the generic runtime asks of a device with its own memory and
// asynchronous streams. Two implementations: CUDA (runtime/cuda_accelerator.cpp, over the
// cuda_backend seam) and the simulated device (runtime/sim/), which keeps CUDA's rules on
// the CPU. Streams, events, memory resources, tensor copies and graphs go through this
// interface, so the simulated device exercises the very code a GPU runs.
//
// Stream arguments carry their device; a null handle is the legacy default stream of the
// thread's current device (as in CUDA), and using it for another device is an error on sim.
#include <cstddef>
#include <memory>

#include "runtime/cuda_backend.h"
#include "runtime/device.h"
#include "runtime/reserved_range.h"
#include "runtime/stream.h"

namespace gyre {

class Accelerator {
 public:
  virtual ~Accelerator() = default;

  virtual DeviceType type() const = 0;
  virtual int device_count() noexcept = 0;
  virtual cuda_backend::DeviceProperties properties(int device) = 0;

  /// The accelerator's current device on this thread (0 in a new thread, as cudaGetDevice).
  virtual int current_device() noexcept = 0;
  virtual void set_current_device(int device) = 0;
  virtual void set_current_device_noexcept(int device) noexcept = 0;

  virtual void* malloc_device(std::size_t bytes, int device) = 0;
  virtual void free_device(void* pointer, int device) noexcept = 0;
  virtual void* malloc_device_async(std::size_t bytes, Stream stream) = 0;
  virtual void free_device_async(void* pointer, Stream stream) noexcept = 0;
  /// Page-locked host memory, usable by every device of this accelerator.
  virtual void* malloc_pinned(std::size_t bytes) = 0;
  virtual void free_pinned(void* pointer) noexcept = 0;
  /// Address space for `capacity` bytes of `device`'s memory (0: a default), committed on
  /// demand at stable addresses; null when the device cannot map memory so. (Pinned host
  /// memory has no such range: see PinnedHostMemoryResource.)
  virtual std::unique_ptr<ReservedRange> reserve_device(std::size_t capacity, int device) = 0;

  /// Asynchronous copy in stream order, any direction (cudaMemcpyDefault).
  virtual void copy_async(void* destination, const void* source, std::size_t bytes,
                          Stream stream) = 0;
  virtual void memset_async(void* destination, int value, std::size_t bytes, Stream stream) = 0;

  virtual void* create_stream(int device) = 0;
  virtual void destroy_stream(void* stream) noexcept = 0;
  virtual void synchronize(Stream stream) = 0;

  virtual void* create_event(int device) = 0;
  virtual void destroy_event(void* event) noexcept = 0;
  virtual void record_event(void* event, Stream stream) = 0;
  virtual void stream_wait_event(Stream stream, void* event) = 0;
  virtual bool event_completed(void* event) = 0;
  virtual void synchronize_event(void* event) = 0;

  /// Graph capture of `stream`'s work (thread-local mode); end_capture returns the
  /// instantiated graph, or null when the capture failed.
  virtual void begin_capture(Stream stream) = 0;
  /// Whether `stream` is capturing a graph now (cudaStreamIsCapturing).
  virtual bool is_capturing(Stream stream) = 0;
  virtual void* end_capture(Stream stream) noexcept = 0;
  virtual void launch_graph(void* graph, Stream stream) = 0;
  virtual void destroy_graph(void* graph) noexcept = 0;
};

/// The accelerator of `device` (cuda or sim); DeviceError for the CPU.
Accelerator& accelerator(Device device);
Accelerator& accelerator(DeviceType type);

}  // namespace gyre
