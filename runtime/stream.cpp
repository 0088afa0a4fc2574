#include "runtime/stream.h"

#include "runtime/accelerator.h"
#include "runtime/detached_memory.h"
#include "runtime/error.h"

namespace gyre {
namespace {
// Per thread, the current stream handle for each device slot (null: default stream).
thread_local void* tls_current_streams[kMaxDevices] = {};
}  // namespace

void Stream::synchronize() const {
  if (device_.is_accelerator()) accelerator(device_).synchronize(*this);
}

Stream Stream::current(Device device) {
  check_device(device);
  return Stream(device, tls_current_streams[device_slot(device)]);
}

OwnedStream::OwnedStream(Device device) {
  check_device(device);
  stream_ = Stream(
      device, device.is_accelerator() ? accelerator(device).create_stream(device.index) : nullptr);
}

OwnedStream::~OwnedStream() {
  if (stream_.handle() != nullptr) retire_stream(stream_);  // after its detached tensors
}

StreamGuard::StreamGuard(Stream stream) : previous_(Stream::current(stream.device())) {
  tls_current_streams[device_slot(stream.device())] = stream.handle();
}

StreamGuard::~StreamGuard() {
  tls_current_streams[device_slot(previous_.device())] = previous_.handle();
}

Event::Event(Device device) : device_(device) {
  check_device(device);
  if (device.is_accelerator()) handle_ = accelerator(device).create_event(device.index);
}

Event::~Event() {
  if (handle_ != nullptr) accelerator(device_).destroy_event(handle_);
}

void Event::record(Stream stream) {
  GYRE_CHECK(stream.device() == device_, DeviceError, "cannot record an event of ", device_,
             " on a stream of ", stream.device());
  if (handle_ != nullptr) accelerator(device_).record_event(handle_, stream);
}

void Event::wait(Stream stream) const {
  if (handle_ == nullptr) return;  // CPU work is complete when recorded
  if (stream.device().is_cpu()) {
    accelerator(device_).synchronize_event(handle_);  // a CPU consumer can only block
    return;
  }
  GYRE_CHECK(stream.device().type == device_.type, DeviceError, "a stream of ", stream.device(),
             " cannot wait on an event of ", device_);
  accelerator(device_).stream_wait_event(stream, handle_);
}

bool Event::completed() const {
  return handle_ == nullptr || accelerator(device_).event_completed(handle_);
}

void Event::synchronize() const {
  if (handle_ != nullptr) accelerator(device_).synchronize_event(handle_);
}

}  // namespace gyre
