#include "runtime/stream.h"

#include "runtime/cuda_backend.h"
#include "runtime/error.h"

namespace gyre {
namespace {
// Per thread, the current stream handle for each device slot (null: default stream).
thread_local void* tls_current_streams[kMaxDevices] = {};
}  // namespace

void Stream::synchronize() const {
  if (device_.is_cuda()) cuda_backend::synchronize_stream(handle_);
}

Stream Stream::current(Device device) {
  check_device(device);
  return Stream(device, tls_current_streams[device_slot(device)]);
}

OwnedStream::OwnedStream(Device device) {
  check_device(device);
  stream_ = Stream(device, device.is_cuda() ? cuda_backend::create_stream(device.index) : nullptr);
}

OwnedStream::~OwnedStream() {
  if (stream_.handle() != nullptr) cuda_backend::destroy_stream(stream_.handle());
}

StreamGuard::StreamGuard(Stream stream) : previous_(Stream::current(stream.device())) {
  tls_current_streams[device_slot(stream.device())] = stream.handle();
}

StreamGuard::~StreamGuard() {
  tls_current_streams[device_slot(previous_.device())] = previous_.handle();
}

Event::Event(Device device) : device_(device) {
  check_device(device);
  if (device.is_cuda()) handle_ = cuda_backend::create_event(device.index);
}

Event::~Event() {
  if (handle_ != nullptr) cuda_backend::destroy_event(handle_);
}

void Event::record(Stream stream) {
  GYRE_CHECK(stream.device() == device_, DeviceError, "cannot record an event of ", device_,
             " on a stream of ", stream.device());
  if (handle_ != nullptr) cuda_backend::record_event(handle_, stream.handle());
}

void Event::wait(Stream stream) const {
  if (handle_ == nullptr) return;  // CPU work is complete when recorded
  if (stream.device().is_cuda())
    cuda_backend::stream_wait_event(stream.handle(), handle_);
  else
    cuda_backend::synchronize_event(handle_);  // a CPU consumer can only block
}

bool Event::completed() const {
  return handle_ == nullptr || cuda_backend::event_completed(handle_);
}

void Event::synchronize() const {
  if (handle_ != nullptr) cuda_backend::synchronize_event(handle_);
}

}  // namespace gyre
