#pragma once
// Streams: ordered queues of device work. On the CPU a stream is synchronous (work is done
// when the call returns). On an accelerator (cuda, sim) each thread has a current stream per
// device.
#include <cstddef>

#include "runtime/device.h"

namespace gyre {

/// A non-owning view of a stream (like RMM's cuda_stream_view): cheap to copy.
/// A null handle on an accelerator is the legacy default stream of the thread's current
/// device, as in CUDA: use it only under a DeviceGuard of its device.
class Stream {
 public:
  constexpr Stream() = default;
  constexpr Stream(Device device, void* handle) : device_(device), handle_(handle) {}

  Device device() const { return device_; }
  /// The native handle (cudaStream_t on CUDA, a simulated stream's id on sim, null on the
  /// CPU).
  void* handle() const { return handle_; }

  /// Blocks the host until the stream's work is done (a no-op on the CPU).
  void synchronize() const;

  /// The calling thread's current stream on `device` (the default stream unless a
  /// StreamGuard says otherwise).
  static Stream current(Device device);
  static Stream current() { return current(current_device()); }

  friend bool operator==(Stream a, Stream b) {
    return a.device_ == b.device_ && a.handle_ == b.handle_;
  }
  friend bool operator!=(Stream a, Stream b) { return !(a == b); }

 private:
  Device device_ = Device::cpu();
  void* handle_ = nullptr;
};

/// Owns a stream: on an accelerator a non-blocking stream created for the device; on the CPU
/// a synchronous stream. Destroying it does not wait for its work; the native stream lives
/// on until the detached tensors allocated on it are released (retire_stream).
class OwnedStream {
 public:
  explicit OwnedStream(Device device);
  ~OwnedStream();
  OwnedStream(const OwnedStream&) = delete;
  OwnedStream& operator=(const OwnedStream&) = delete;

  Stream view() const { return stream_; }
  operator Stream() const { return stream_; }

 private:
  Stream stream_;
};

/// Makes `stream` the current stream of its device on this thread for the guard's lifetime.
class StreamGuard {
 public:
  explicit StreamGuard(Stream stream);
  ~StreamGuard();
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

 private:
  Stream previous_;
};

/// Marks a point in a stream's work. On the CPU an event is complete once recorded.
class Event {
 public:
  explicit Event(Device device);
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  Device device() const { return device_; }
  void record(Stream stream);
  /// Makes `stream` wait (without blocking the host) until the recorded work completes.
  void wait(Stream stream) const;
  bool completed() const;
  void synchronize() const;

 private:
  Device device_;
  void* handle_ = nullptr;
};

}  // namespace gyre
