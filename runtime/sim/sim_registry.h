#pragma once
// The simulated accelerator's state (internal to runtime/sim): streams, events and graphs by
// handle, captures in progress, and the checks every operation makes. SimAccelerator's
// member functions (sim_accelerator.cpp) and its memory (sim_device_memory.cpp) use it.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "runtime/device.h"
#include "runtime/sim/sim_executor.h"
#include "runtime/stream.h"

namespace gyre::sim {

/// The simulated copy engine: copies and fills as a device does them, outside host code's
/// AddressSanitizer checks (a copy enqueued before a workspace cycle ended runs after it).
void engine_copy(void* destination, const void* source, std::size_t bytes);
void engine_set(void* destination, int value, std::size_t bytes);

// A capture in progress: the operations recorded so far.
struct Capture {
  std::uint64_t id = 0;
  std::vector<std::function<void()>> operations;
  bool invalid = false;
  std::string why;
};

struct SimStream {
  std::uint64_t id = 0;
  int device = 0;
  bool is_default = false;
  std::unique_ptr<SimExecutor> executor;
  std::shared_ptr<Capture> capture;  // guarded by the registry's mutex
};

// One record of an event: done once the work queued before it has run. A wait binds the
// newest record at the time of the call; a later record (on any stream) does not release it.
struct Record {
  bool done = false;  // guarded by the event's mutex
};

struct SimEvent {
  std::uint64_t id = 0;
  int device = 0;
  std::mutex mutex;
  std::condition_variable changed;
  std::shared_ptr<Record> newest;  // null: never recorded (complete, as in CUDA)
  std::uint64_t capture = 0;       // the capture its newest record was made in (0: eager)
};

struct SimGraph {
  int device = 0;
  std::vector<std::function<void()>> operations;
};

// Handles are ids with a tag in the low bits, never reused: a destroyed handle, or a handle
// of the wrong kind, is found out instead of reaching freed memory.
enum Tag : std::uintptr_t { kStreamTag = 1, kEventTag = 2, kGraphTag = 3 };
inline void* handle_of(std::uint64_t id, Tag tag) {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(id) << 2 | tag);
}
inline std::uint64_t id_of(const void* handle, Tag tag) {
  const auto bits = reinterpret_cast<std::uintptr_t>(handle);
  return (bits & 3) == tag ? bits >> 2 : 0;
}

// Streams being destroyed: their executors finish what was queued on a thread of their
// own, so that destroying a stream returns at once, as cudaStreamDestroy does. Until then
// they still count for device-wide synchronization (cudaFree waits for their work too).
class Reaper {
 public:
  void retire(std::shared_ptr<SimStream> stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    retired_.push_back(std::move(stream));
    changed_.notify_one();
  }

  /// The streams still draining.
  void collect(int device, std::vector<std::shared_ptr<SimStream>>& into) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& stream : retired_)
      if (device < 0 || stream->device == device) into.push_back(stream);
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return !retired_.empty(); });
      std::shared_ptr<SimStream> stream = retired_.front();  // listed while it drains
      lock.unlock();
      stream->executor->wait_for(stream->executor->enqueued());
      lock.lock();
      retired_.pop_front();
      lock.unlock();
      stream.reset();  // joins the executor (or whoever still holds it does)
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<SimStream>> retired_;
  std::thread thread_;  // never joined: the registry lives until the process ends
};

struct Registry {
  std::mutex mutex;
  std::uint64_t next_id = 1;
  std::unordered_map<std::uint64_t, std::shared_ptr<SimStream>> streams;
  std::unordered_map<std::uint64_t, std::shared_ptr<SimEvent>> events;
  std::unordered_map<std::uint64_t, std::shared_ptr<const SimGraph>> graphs;
  std::shared_ptr<SimStream> default_streams[kMaxDevicesPerType];
  Reaper reaper;
};

Registry& registry();

extern thread_local int tls_device;  // as cudaSetDevice, per thread
extern thread_local std::vector<std::shared_ptr<Capture>> tls_captures;  // this thread's captures

std::string describe(const SimStream& stream);
std::shared_ptr<SimStream> make_stream(Registry& all, int device, bool is_default);
void check_index(int device);

// How a stream is used, for the current-device rule: work that CUDA runs only on the current
// device's streams (kernels, copies, memsets, graph launches); a use where only a null
// handle depends on the current device (its legacy stream); an allocation, for which Gyre
// names the device itself.
enum class Use { launch, refer, allocate };

std::shared_ptr<SimStream> stream_of(Stream value, Use use);
std::shared_ptr<SimEvent> event_of(void* handle);
/// Invalidates `capture` and throws, as CUDA fails the call and the capture.
[[noreturn]] void fail_capture(Capture& capture, const std::string& why);
/// What CUDA refuses from a thread that captures in thread-local mode.
void refuse_during_capture(const char* what);
std::shared_ptr<Capture> capture_of(const SimStream& stream);
/// Queues `operation` on `stream`, or records it into the stream's capture. Returns the
/// executor's sequence number, 0 when recorded.
std::uint64_t submit(SimStream& stream, std::function<void()> operation);
void wait_and_report(SimStream& stream, std::uint64_t sequence);
void check_kernel_pointer(const SimStream& stream, const void* pointer);
/// Waits for every stream of `device` (-1: of every device), as cudaFree does.
void wait_for_streams(int device);

}  // namespace gyre::sim
