#pragma once
// The CUDA accelerator (see runtime/accelerator.h).
#include "runtime/accelerator.h"

namespace gyre {

class CudaAccelerator final : public Accelerator {
 public:
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
};

}  // namespace gyre
