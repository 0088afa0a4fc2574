#pragma once
// The simulated accelerator: CUDA's rules on the CPU (docs/design/simulated-devices.md).
//  - A stream is an in-order queue run by its own executor thread; enqueueing returns at once.
//    The null handle is the legacy stream of the thread's current device.
//  - Events, cross-stream waits, queries and synchronization behave as CUDA's; a destroyed
//    stream, event or graph is an error when used (handles are never reused).
//  - Device memory (per device, with a capacity) and pinned host memory are registered; a
//    kernel may touch only memory of its stream's device or pinned memory, and only on a
//    stream of the thread's current device. Copies are stream operations; one to or from
//    pageable memory blocks the host as CUDA's does.
//  - Capture records a stream's operations instead of running them; replay queues them
//    again. What CUDA forbids during capture invalidates it and throws.
#include <functional>
#include <initializer_list>

#include "runtime/accelerator.h"

namespace gyre::sim {

class SimAccelerator final : public Accelerator {
 public:
  static SimAccelerator& instance();

  DeviceType type() const override;
  int device_count() noexcept override;
  cuda_backend::DeviceProperties properties(int device) override;
  int current_device() noexcept override;
  void set_current_device(int device) override;
  void set_current_device_noexcept(int device) noexcept override;
  void* malloc_device(std::size_t bytes, int device) override;
  void free_device(void* pointer, int device) noexcept override;
  void* malloc_device_async(std::size_t bytes, Stream stream) override;
  void free_device_async(void* pointer, Stream stream) noexcept override;
  void* malloc_pinned(std::size_t bytes) override;
  void free_pinned(void* pointer) noexcept override;
  std::unique_ptr<ReservedRange> reserve_device(std::size_t capacity, int device) override;
  void copy_async(void* destination, const void* source, std::size_t bytes, Stream stream) override;
  void memset_async(void* destination, int value, std::size_t bytes, Stream stream) override;
  void* create_stream(int device) override;
  void destroy_stream(void* stream) noexcept override;
  void synchronize(Stream stream) override;
  void* create_event(int device) override;
  void destroy_event(void* event) noexcept override;
  void record_event(void* event, Stream stream) override;
  void stream_wait_event(Stream stream, void* event) override;
  bool event_completed(void* event) override;
  void synchronize_event(void* event) override;
  void begin_capture(Stream stream) override;
  bool is_capturing(Stream stream) override;
  void* end_capture(Stream stream) noexcept override;
  void launch_graph(void* graph, Stream stream) override;
  void destroy_graph(void* graph) noexcept override;

  /// A kernel launch: `work` runs in `stream`'s order on its executor. Every non-null
  /// pointer must be memory of the stream's device or pinned memory, and the stream's device
  /// must be current on this thread; DeviceError otherwise, naming both.
  void launch(Stream stream, std::initializer_list<const void*> pointers,
              std::function<void()> work);
  /// Blocks until every stream of every sim device has run what was queued (as
  /// cudaDeviceSynchronize on each device).
  void synchronize_all();

 private:
  SimAccelerator() = default;
};

}  // namespace gyre::sim
