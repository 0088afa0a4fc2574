// The CUDA seam for builds without CUDA: no devices, and a clear error for any use.
#include "runtime/cuda_backend.h"

#include "runtime/error.h"

namespace gyre::cuda_backend {
namespace {
[[noreturn]] void unavailable(const char* what) {
  throw NotAvailableError(
      strcat(what,
             ": CUDA is not available in this build; "
             "configure with -DGYRE_CUDA=ON on a machine with the CUDA toolkit"));
}
}  // namespace

bool compiled() {
  return false;
}
int device_count() noexcept {
  return 0;
}
DeviceProperties properties(int) {
  unavailable("cuda device properties");
}
int runtime_version() noexcept {
  return 0;
}
int driver_version() noexcept {
  return 0;
}
int current_device() noexcept {
  return 0;
}
void set_current_device(int) {
  unavailable("set the CUDA device");
}
void set_current_device_noexcept(int) noexcept {}
void* malloc_device(std::size_t, int) {
  unavailable("device allocation");
}
void free_device(void*, int) noexcept {}
void* malloc_device_async(std::size_t, void*, int) {
  unavailable("stream-ordered device allocation");
}
void free_device_async(void*, void*, int) noexcept {}
void* malloc_pinned(std::size_t) {
  unavailable("pinned host allocation");
}
void free_pinned(void*) noexcept {}
std::size_t vmm_granularity(int) {
  return 0;
}
void* vmm_reserve(std::size_t, int) {
  unavailable("reserving device addresses");
}
void vmm_release(void*, std::size_t) noexcept {}
void* vmm_map(void*, std::size_t, int) {
  unavailable("mapping device memory");
}
void vmm_unmap(void*, std::size_t, void*, int) noexcept {}
void copy_async(void*, const void*, std::size_t, void*) {
  unavailable("device copy");
}
void memset_async(void*, int, std::size_t, void*) {
  unavailable("device memset");
}
void begin_capture(void*) {
  unavailable("graph capture");
}
bool is_capturing(void*) {
  return false;
}
void* end_capture(void*) noexcept {
  return nullptr;
}
void launch_graph(void*, void*) {
  unavailable("graph launch");
}
void destroy_graph(void*) noexcept {}
void* create_stream(int) {
  unavailable("create a CUDA stream");
}
void destroy_stream(void*) noexcept {}
void synchronize_stream(void*) {
  unavailable("synchronize a CUDA stream");
}
void* create_event(int) {
  unavailable("create a CUDA event");
}
void destroy_event(void*) noexcept {}
void record_event(void*, void*) {
  unavailable("record a CUDA event");
}
void stream_wait_event(void*, void*) {
  unavailable("wait on a CUDA event");
}
bool event_completed(void*) {
  unavailable("query a CUDA event");
}
void synchronize_event(void*) {
  unavailable("synchronize a CUDA event");
}

}  // namespace gyre::cuda_backend
