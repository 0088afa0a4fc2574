// The CUDA accelerator: the generic Accelerator interface over the cuda_backend seam (which
// reports "not available" in a build without CUDA).
#include "runtime/cuda_accelerator.h"

namespace gyre {
namespace {
// A stream of another device (the CPU's, for allocations without a stream) means the legacy
// stream: CUDA resolves a null handle against the current device.
void* handle(Stream stream) {
  return stream.device().is_cuda() ? stream.handle() : nullptr;
}
int device_of(Stream stream) {
  return stream.device().is_cuda() ? stream.device().index : cuda_backend::current_device();
}
}  // namespace

DeviceType CudaAccelerator::type() const {
  return DeviceType::cuda;
}
int CudaAccelerator::device_count() noexcept {
  return cuda_backend::device_count();
}
cuda_backend::DeviceProperties CudaAccelerator::properties(int device) {
  return cuda_backend::properties(device);
}
int CudaAccelerator::current_device() noexcept {
  return cuda_backend::current_device();
}
void CudaAccelerator::set_current_device(int device) {
  cuda_backend::set_current_device(device);
}
void CudaAccelerator::set_current_device_noexcept(int device) noexcept {
  cuda_backend::set_current_device_noexcept(device);
}
void* CudaAccelerator::malloc_device(std::size_t bytes, int device) {
  return cuda_backend::malloc_device(bytes, device);
}
void CudaAccelerator::free_device(void* pointer, int device) noexcept {
  cuda_backend::free_device(pointer, device);
}
void* CudaAccelerator::malloc_device_async(std::size_t bytes, Stream stream) {
  return cuda_backend::malloc_device_async(bytes, handle(stream), device_of(stream));
}
void CudaAccelerator::free_device_async(void* pointer, Stream stream) noexcept {
  cuda_backend::free_device_async(pointer, handle(stream), device_of(stream));
}
void* CudaAccelerator::malloc_pinned(std::size_t bytes) {
  return cuda_backend::malloc_pinned(bytes);
}
void CudaAccelerator::free_pinned(void* pointer) noexcept {
  cuda_backend::free_pinned(pointer);
}
void CudaAccelerator::copy_async(void* destination, const void* source, std::size_t bytes,
                                 Stream stream) {
  cuda_backend::copy_async(destination, source, bytes, handle(stream));
}
void CudaAccelerator::memset_async(void* destination, int value, std::size_t bytes, Stream stream) {
  cuda_backend::memset_async(destination, value, bytes, handle(stream));
}
void* CudaAccelerator::create_stream(int device) {
  return cuda_backend::create_stream(device);
}
void CudaAccelerator::destroy_stream(void* stream) noexcept {
  cuda_backend::destroy_stream(stream);
}
void CudaAccelerator::synchronize(Stream stream) {
  cuda_backend::synchronize_stream(handle(stream));
}
void* CudaAccelerator::create_event(int device) {
  return cuda_backend::create_event(device);
}
void CudaAccelerator::destroy_event(void* event) noexcept {
  cuda_backend::destroy_event(event);
}
void CudaAccelerator::record_event(void* event, Stream stream) {
  cuda_backend::record_event(event, handle(stream));
}
void CudaAccelerator::stream_wait_event(Stream stream, void* event) {
  cuda_backend::stream_wait_event(handle(stream), event);
}
bool CudaAccelerator::event_completed(void* event) {
  return cuda_backend::event_completed(event);
}
void CudaAccelerator::synchronize_event(void* event) {
  cuda_backend::synchronize_event(event);
}
void CudaAccelerator::begin_capture(Stream stream) {
  cuda_backend::begin_capture(handle(stream));
}
bool CudaAccelerator::is_capturing(Stream stream) {
  return cuda_backend::is_capturing(handle(stream));
}
void* CudaAccelerator::end_capture(Stream stream) noexcept {
  return cuda_backend::end_capture(handle(stream));
}
void CudaAccelerator::launch_graph(void* graph, Stream stream) {
  cuda_backend::launch_graph(graph, handle(stream));
}
void CudaAccelerator::destroy_graph(void* graph) noexcept {
  cuda_backend::destroy_graph(graph);
}

}  // namespace gyre
