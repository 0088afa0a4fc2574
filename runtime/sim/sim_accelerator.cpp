#include "runtime/sim/sim_accelerator.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "runtime/error.h"
#include "runtime/log.h"
#include "runtime/sim/sim_config.h"
#include "runtime/sim/sim_executor.h"
#include "runtime/sim/sim_memory.h"

namespace gyre::sim {
namespace {

// The simulated copy engine. A device copy is not host code: it may read or write host
// memory that a workspace has poisoned for host code (a copy enqueued before a cycle ended
// runs after it, as on a GPU), so under AddressSanitizer it copies without ASan's checks.
#if defined(__SANITIZE_ADDRESS__)
__attribute__((no_sanitize("address"))) void engine_copy(void* destination, const void* source,
                                                         std::size_t bytes) {
  // volatile: a plain loop would be turned back into a (checked) memcpy call.
  auto* to = static_cast<volatile unsigned char*>(destination);
  const auto* from = static_cast<const volatile unsigned char*>(source);
  for (std::size_t i = 0; i < bytes; ++i) to[i] = from[i];
}
__attribute__((no_sanitize("address"))) void engine_set(void* destination, int value,
                                                        std::size_t bytes) {
  auto* to = static_cast<volatile unsigned char*>(destination);
  for (std::size_t i = 0; i < bytes; ++i) to[i] = static_cast<unsigned char>(value);
}
#else
void engine_copy(void* destination, const void* source, std::size_t bytes) {
  std::memcpy(destination, source, bytes);
}
void engine_set(void* destination, int value, std::size_t bytes) {
  std::memset(destination, value, bytes);
}
#endif

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
void* handle_of(std::uint64_t id, Tag tag) {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(id) << 2 | tag);
}
std::uint64_t id_of(const void* handle, Tag tag) {
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

Registry& registry() {
  static auto* instance = new Registry();  // never destroyed: streams may run at exit
  return *instance;
}

thread_local int tls_device = 0;                                  // as cudaSetDevice, per thread
thread_local std::vector<std::shared_ptr<Capture>> tls_captures;  // captures this thread runs

std::string describe(const SimStream& stream) {
  return stream.is_default ? strcat("the default stream of sim:", stream.device)
                           : strcat("stream #", stream.id, " of sim:", stream.device);
}

std::shared_ptr<SimStream> make_stream(Registry& all, int device, bool is_default) {
  auto stream = std::make_shared<SimStream>();
  stream->id = all.next_id++;
  stream->device = device;
  stream->is_default = is_default;
  const std::uint64_t seed =
      config().chaos_seed == 0 ? 0 : config().chaos_seed ^ (stream->id * 0x9E3779B97F4A7C15ull);
  stream->executor = std::make_unique<SimExecutor>(
      strcat("sim", device, is_default ? "-default" : strcat("-s", stream->id)), seed);
  return stream;
}

void check_index(int device) {
  const int count = config().devices;
  GYRE_CHECK(device >= 0 && device < count, DeviceError, "device sim:", device,
             " does not exist: GYRE_SIM_DEVICES is ", count,
             count == 0 ? " (set it to simulate accelerators)" : "");
}

// How a stream is used, for the current-device rule: work that CUDA runs only on the current
// device's streams (kernels, copies, memsets, graph launches); a use where only a null
// handle depends on the current device (its legacy stream); an allocation, for which Gyre
// names the device itself.
enum class Use { launch, refer, allocate };

std::shared_ptr<SimStream> stream_of(Stream value, Use use) {
  GYRE_CHECK(value.device().is_sim(), DeviceError, "a stream of ", value.device(),
             " was given to the simulated device");
  const int device = value.device().index;
  check_index(device);
  Registry& all = registry();
  std::shared_ptr<SimStream> stream;
  {
    std::lock_guard<std::mutex> lock(all.mutex);
    if (value.handle() == nullptr) {
      std::shared_ptr<SimStream>& slot = all.default_streams[device];
      if (!slot) slot = make_stream(all, device, true);
      stream = slot;
    } else {
      const auto found = all.streams.find(id_of(value.handle(), kStreamTag));
      GYRE_CHECK(found != all.streams.end(), DeviceError, "sim:", device, ": stream handle ",
                 value.handle(),
                 " is not a live stream (destroyed, or not a stream): using it is an error, as "
                 "in CUDA (cudaErrorInvalidResourceHandle)");
      stream = found->second;
      GYRE_CHECK(stream->device == device, DeviceError, describe(*stream),
                 " was named as a stream of sim:", device);
    }
  }
  const bool needs_current = use == Use::launch || (use == Use::refer && value.handle() == nullptr);
  if (needs_current && device != tls_device) {
    throw DeviceError(strcat(
        describe(*stream), " was used while sim:", tls_device, " is current on this thread: CUDA ",
        value.handle() == nullptr ? "resolves the null stream against the current device"
                                  : "refuses work on another device's stream",
        "; put a DeviceGuard(sim:", device, ") around the call"));
  }
  return stream;
}

std::shared_ptr<SimEvent> event_of(void* handle) {
  Registry& all = registry();
  std::lock_guard<std::mutex> lock(all.mutex);
  const auto found = all.events.find(id_of(handle, kEventTag));
  GYRE_CHECK(found != all.events.end(), DeviceError, "sim: event handle ", handle,
             " is not a live event (destroyed, or not an event): using it is an error, as in "
             "CUDA (cudaErrorInvalidResourceHandle)");
  return found->second;
}

// Invalidates the capture `stream` runs and throws, as CUDA fails the call and the capture.
[[noreturn]] void fail_capture(Capture& capture, const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(registry().mutex);
    if (!capture.invalid) {
      capture.invalid = true;
      capture.why = why;
    }
  }
  throw DeviceError(strcat("sim: ", why, "; the graph capture is invalidated"));
}

// What CUDA refuses from a thread that captures in thread-local mode.
void refuse_during_capture(const char* what) {
  if (tls_captures.empty()) return;
  fail_capture(*tls_captures.back(),
               strcat(what,
                      " is not allowed while this thread captures a graph (CUDA: "
                      "cudaErrorStreamCaptureUnsupported)"));
}

std::shared_ptr<Capture> capture_of(const SimStream& stream) {
  std::lock_guard<std::mutex> lock(registry().mutex);
  return stream.capture;
}

// Queues `operation` on `stream`, or records it into the stream's capture. Returns the
// executor's sequence number, 0 when recorded.
std::uint64_t submit(SimStream& stream, std::function<void()> operation) {
  Registry& all = registry();
  std::unique_lock<std::mutex> lock(all.mutex);
  if (Capture* capture = stream.capture.get()) {
    if (capture->invalid) {
      const std::string why = capture->why;
      lock.unlock();
      throw DeviceError(strcat("sim: ", describe(stream),
                               " is capturing a graph that was invalidated (CUDA: "
                               "cudaErrorStreamCaptureInvalidated): ",
                               why));
    }
    capture->operations.push_back(std::move(operation));
    return 0;
  }
  lock.unlock();
  return stream.executor->enqueue(std::move(operation));
}

void wait_and_report(SimStream& stream, std::uint64_t sequence) {
  stream.executor->wait_for(sequence);
  if (std::exception_ptr error = stream.executor->take_error()) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& failure) {
      throw DeviceError(
          strcat("sim: work on ", describe(stream), " failed asynchronously: ", failure.what()));
    }
  }
}

void check_kernel_pointer(const SimStream& stream, const void* pointer) {
  const Region region = SimMemory::instance().classify(pointer, 0);
  if (region.kind == MemoryKind::pinned_host) return;
  if (region.kind == MemoryKind::device && region.device == stream.device) return;
  throw DeviceError(strcat(
      "sim: work on ", describe(stream), " was given ", pointer, ", which is ",
      region.kind == MemoryKind::device ? strcat("memory of sim:", region.device)
                                        : std::string("pageable host memory (or freed memory)"),
      ": a GPU kernel can only use memory of its own device or pinned host memory (an illegal "
      "address on a GPU)"));
}

void wait_for_streams(int device) {  // -1: every device
  std::vector<std::shared_ptr<SimStream>> streams;
  {
    Registry& all = registry();
    std::lock_guard<std::mutex> lock(all.mutex);
    for (const auto& [id, stream] : all.streams)
      if (device < 0 || stream->device == device) streams.push_back(stream);
    for (const auto& stream : all.default_streams)
      if (stream && (device < 0 || stream->device == device)) streams.push_back(stream);
  }
  registry().reaper.collect(device, streams);
  for (const auto& stream : streams) stream->executor->wait_for(stream->executor->enqueued());
}

}  // namespace

SimAccelerator& SimAccelerator::instance() {
  static SimAccelerator accelerator;
  return accelerator;
}

DeviceType SimAccelerator::type() const {
  return DeviceType::sim;
}

int SimAccelerator::device_count() noexcept {
  try {
    return config().devices;
  } catch (const std::exception& error) {
    GYRE_LOG(runtime, error, error.what());
    return 0;
  }
}

cuda_backend::DeviceProperties SimAccelerator::properties(int device) {
  check_index(device);
  cuda_backend::DeviceProperties result;
  result.name = "Gyre simulated device (CPU kernels, CUDA's rules)";
  result.total_memory = config().memory_per_device;
  result.free_memory = result.total_memory - SimMemory::instance().bytes_in_use(device);
  result.multiprocessors = static_cast<int>(std::thread::hardware_concurrency());
  return result;
}

int SimAccelerator::current_device() noexcept {
  return tls_device;
}
void SimAccelerator::set_current_device(int device) {
  check_index(device);
  tls_device = device;
}
void SimAccelerator::set_current_device_noexcept(int device) noexcept {
  tls_device = device;
}

void* SimAccelerator::malloc_device(std::size_t bytes, int device) {
  check_index(device);
  refuse_during_capture("allocating device memory (cudaMalloc)");
  return SimMemory::instance().allocate_device(device, bytes);
}

void SimAccelerator::free_device(void* pointer, int device) noexcept {
  if (!tls_captures.empty()) {  // cannot throw here: the capture fails at its end
    std::lock_guard<std::mutex> lock(registry().mutex);
    tls_captures.back()->invalid = true;
    tls_captures.back()->why = "freeing device memory (cudaFree) during capture";
  }
  wait_for_streams(device);  // cudaFree synchronizes the device
  SimMemory::instance().free_device(pointer);
}

void* SimAccelerator::malloc_device_async(std::size_t bytes, Stream stream) {
  std::shared_ptr<SimStream> target = stream_of(stream, Use::allocate);
  refuse_during_capture(
      "stream-ordered allocation (cudaMallocAsync; Gyre uses no graph "
      "memory nodes)");
  return SimMemory::instance().allocate_device(target->device, bytes);
}

void SimAccelerator::free_device_async(void* pointer, Stream stream) noexcept {
  try {
    std::shared_ptr<SimStream> target = stream_of(stream, Use::allocate);
    if (std::shared_ptr<Capture> capture = capture_of(*target)) {
      std::lock_guard<std::mutex> lock(registry().mutex);
      capture->invalid = true;
      capture->why = "stream-ordered free (cudaFreeAsync) during capture";
    }
    target->executor->enqueue([pointer] { SimMemory::instance().free_device(pointer); });
  } catch (const std::exception& error) {
    GYRE_LOG(runtime, error, "sim: cudaFreeAsync of ", pointer, " on a stream of ", stream.device(),
             " failed (", error.what(), "); freeing after a device sync");
    wait_for_streams(-1);
    SimMemory::instance().free_device(pointer);
  }
}

void* SimAccelerator::malloc_pinned(std::size_t bytes) {
  refuse_during_capture("allocating pinned memory (cudaHostAlloc)");
  return SimMemory::instance().allocate_pinned(bytes);
}

void SimAccelerator::free_pinned(void* pointer) noexcept {
  wait_for_streams(-1);  // cudaFreeHost synchronizes
  SimMemory::instance().free_pinned(pointer);
}

void SimAccelerator::copy_async(void* destination, const void* source, std::size_t bytes,
                                Stream stream) {
  // CUDA runs a copy on any device's stream (only a null handle names the current device's).
  std::shared_ptr<SimStream> target = stream_of(stream, Use::refer);
  if (bytes == 0) return;
  SimMemory& memory = SimMemory::instance();
  const bool pageable_source = memory.classify(source, bytes).kind == MemoryKind::host;
  const bool pageable_destination = memory.classify(destination, bytes).kind == MemoryKind::host;
  if ((pageable_source || pageable_destination) && capture_of(*target) != nullptr) {
    fail_capture(*capture_of(*target),
                 strcat("a copy of ", bytes,
                        " bytes to or from pageable host memory cannot be captured (CUDA: "
                        "cudaErrorStreamCaptureUnsupported); use pinned memory"));
  }
  std::uint64_t sequence;
  if (pageable_source) {
    // CUDA stages pageable sources before returning: the caller may reuse them at once.
    auto staged = std::make_shared<std::vector<char>>(static_cast<const char*>(source),
                                                      static_cast<const char*>(source) + bytes);
    sequence = submit(*target, [destination, staged] {
      engine_copy(destination, staged->data(), staged->size());
    });
  } else {
    sequence =
        submit(*target, [destination, source, bytes] { engine_copy(destination, source, bytes); });
  }
  // A copy into pageable memory returns once it is done, as CUDA's does.
  if (pageable_destination) wait_and_report(*target, sequence);
}

void SimAccelerator::memset_async(void* destination, int value, std::size_t bytes, Stream stream) {
  std::shared_ptr<SimStream> target = stream_of(stream, Use::launch);
  if (bytes == 0) return;
  check_kernel_pointer(*target, destination);
  SimMemory::instance().classify(destination, bytes);
  submit(*target, [destination, value, bytes] { engine_set(destination, value, bytes); });
}

void* SimAccelerator::create_stream(int device) {
  check_index(device);
  Registry& all = registry();
  std::lock_guard<std::mutex> lock(all.mutex);
  std::shared_ptr<SimStream> stream = make_stream(all, device, false);
  all.streams.emplace(stream->id, stream);
  return handle_of(stream->id, kStreamTag);
}

void SimAccelerator::destroy_stream(void* handle) noexcept {
  Registry& all = registry();
  std::shared_ptr<SimStream> stream;
  {
    std::lock_guard<std::mutex> lock(all.mutex);
    const auto found = all.streams.find(id_of(handle, kStreamTag));
    if (found == all.streams.end()) {
      GYRE_LOG(runtime, error, "sim: destroying stream handle ", handle,
               ", which is not a live stream");
      return;
    }
    stream = std::move(found->second);
    all.streams.erase(found);
  }
  all.reaper.retire(std::move(stream));
}

void SimAccelerator::synchronize(Stream stream) {
  std::shared_ptr<SimStream> target = stream_of(stream, Use::refer);
  // The legacy stream synchronizes with the device's other work: refused during a capture.
  if (target->is_default) refuse_during_capture("synchronizing the legacy default stream");
  if (std::shared_ptr<Capture> capture = capture_of(*target)) {
    fail_capture(*capture, strcat("synchronizing ", describe(*target),
                                  ", which is capturing a graph (CUDA: "
                                  "cudaErrorStreamCaptureUnsupported)"));
  }
  wait_and_report(*target, target->executor->enqueued());
}

void* SimAccelerator::create_event(int device) {
  check_index(device);
  Registry& all = registry();
  std::lock_guard<std::mutex> lock(all.mutex);
  auto event = std::make_shared<SimEvent>();
  event->id = all.next_id++;
  event->device = device;
  all.events.emplace(event->id, event);
  return handle_of(event->id, kEventTag);
}

void SimAccelerator::destroy_event(void* handle) noexcept {
  Registry& all = registry();
  std::lock_guard<std::mutex> lock(all.mutex);
  if (all.events.erase(id_of(handle, kEventTag)) == 0)
    GYRE_LOG(runtime, error, "sim: destroying event handle ", handle,
             ", which is not a live event");
}

void SimAccelerator::record_event(void* handle, Stream stream) {
  std::shared_ptr<SimEvent> event = event_of(handle);
  std::shared_ptr<SimStream> target = stream_of(stream, Use::refer);
  GYRE_CHECK(event->device == target->device, DeviceError, "sim: event #", event->id,
             " of sim:", event->device, " recorded on ", describe(*target),
             ": an event is recorded on a stream of its own device");
  if (std::shared_ptr<Capture> capture = capture_of(*target)) {
    std::lock_guard<std::mutex> lock(event->mutex);
    event->capture = capture->id;  // a node of the graph: only the capture may wait on it
    return;
  }
  auto record = std::make_shared<Record>();
  {
    std::lock_guard<std::mutex> lock(event->mutex);
    event->newest = record;
    event->capture = 0;
  }
  submit(*target, [event, record] {
    std::lock_guard<std::mutex> lock(event->mutex);
    record->done = true;
    event->changed.notify_all();
  });
}

void SimAccelerator::stream_wait_event(Stream stream, void* handle) {
  std::shared_ptr<SimEvent> event = event_of(handle);
  std::shared_ptr<SimStream> target = stream_of(stream, Use::refer);
  std::shared_ptr<Capture> capture = capture_of(*target);
  std::shared_ptr<Record> record;
  std::uint64_t captured_in;
  {
    std::lock_guard<std::mutex> lock(event->mutex);
    record = event->newest;
    captured_in = event->capture;
  }
  if (captured_in != 0) {
    if (capture != nullptr && capture->id == captured_in) return;  // same capture: in order
    const std::string why =
        strcat(describe(*target), " waits on event #", event->id,
               ", which was recorded inside a graph capture: outside that capture it can "
               "not be waited on (CUDA: cudaErrorStreamCaptureIsolation)");
    if (capture != nullptr) fail_capture(*capture, why);
    throw DeviceError(strcat("sim: ", why));
  }
  if (record == nullptr) return;  // never recorded: nothing to wait for, as in CUDA
  if (capture != nullptr) {
    fail_capture(*capture, strcat(describe(*target), " waits during capture on event #", event->id,
                                  ", which was recorded outside the capture (CUDA: "
                                  "cudaErrorStreamCaptureIsolation)"));
  }
  submit(*target, [event, record] {
    std::unique_lock<std::mutex> lock(event->mutex);
    event->changed.wait(lock, [&] { return record->done; });
  });
}

bool SimAccelerator::event_completed(void* handle) {
  std::shared_ptr<SimEvent> event = event_of(handle);
  std::lock_guard<std::mutex> lock(event->mutex);
  GYRE_CHECK(event->capture == 0, DeviceError, "sim: querying event #", event->id,
             ", which was recorded inside a graph capture (CUDA: "
             "cudaErrorStreamCaptureUnsupported)");
  return event->newest == nullptr || event->newest->done;
}

void SimAccelerator::synchronize_event(void* handle) {
  std::shared_ptr<SimEvent> event = event_of(handle);
  std::unique_lock<std::mutex> lock(event->mutex);
  GYRE_CHECK(event->capture == 0, DeviceError, "sim: synchronizing event #", event->id,
             ", which was recorded inside a graph capture (CUDA: "
             "cudaErrorStreamCaptureUnsupported)");
  const std::shared_ptr<Record> record = event->newest;
  if (record != nullptr) event->changed.wait(lock, [&] { return record->done; });
}

void SimAccelerator::begin_capture(Stream stream) {
  GYRE_CHECK(stream.handle() != nullptr, DeviceError,
             "sim: the legacy default stream cannot be captured (CUDA: "
             "cudaErrorStreamCaptureUnsupported); capture a stream of your own");
  std::shared_ptr<SimStream> target = stream_of(stream, Use::launch);
  Registry& all = registry();
  std::lock_guard<std::mutex> lock(all.mutex);
  GYRE_CHECK(target->capture == nullptr, DeviceError, "sim: ", describe(*target),
             " is already capturing a graph");
  auto capture = std::make_shared<Capture>();
  capture->id = all.next_id++;
  target->capture = capture;
  tls_captures.push_back(std::move(capture));
}

bool SimAccelerator::is_capturing(Stream stream) {
  return capture_of(*stream_of(stream, Use::refer)) != nullptr;
}

void* SimAccelerator::end_capture(Stream stream) noexcept {
  try {
    std::shared_ptr<SimStream> target = stream_of(stream, Use::refer);
    Registry& all = registry();
    std::lock_guard<std::mutex> lock(all.mutex);
    std::shared_ptr<Capture> capture = std::move(target->capture);
    target->capture = nullptr;
    if (capture == nullptr) return nullptr;
    tls_captures.erase(std::remove(tls_captures.begin(), tls_captures.end(), capture),
                       tls_captures.end());
    if (capture->invalid) {
      GYRE_LOG(runtime, debug, "sim: capture on ", describe(*target), " failed: ", capture->why);
      return nullptr;
    }
    auto graph = std::make_shared<SimGraph>();
    graph->device = target->device;
    graph->operations = std::move(capture->operations);
    const std::uint64_t id = all.next_id++;
    all.graphs.emplace(id, std::move(graph));
    return handle_of(id, kGraphTag);
  } catch (const std::exception& error) {
    GYRE_LOG(runtime, error, "sim: ending a capture failed: ", error.what());
    return nullptr;
  }
}

void SimAccelerator::launch_graph(void* handle, Stream stream) {
  std::shared_ptr<SimStream> target = stream_of(stream, Use::launch);
  std::shared_ptr<const SimGraph> graph;
  {
    Registry& all = registry();
    std::lock_guard<std::mutex> lock(all.mutex);
    const auto found = all.graphs.find(id_of(handle, kGraphTag));
    GYRE_CHECK(found != all.graphs.end(), DeviceError, "sim: graph handle ", handle,
               " is not a live graph (destroyed?)");
    graph = found->second;
  }
  GYRE_CHECK(graph->device == target->device, DeviceError,
             "sim: a graph captured on sim:", graph->device, " launched on ", describe(*target));
  submit(*target, [graph] {
    for (const auto& operation : graph->operations) operation();
  });
}

void SimAccelerator::destroy_graph(void* handle) noexcept {
  if (handle == nullptr) return;
  Registry& all = registry();
  std::lock_guard<std::mutex> lock(all.mutex);
  all.graphs.erase(id_of(handle, kGraphTag));
}

void SimAccelerator::launch(Stream stream, std::initializer_list<const void*> pointers,
                            std::function<void()> work) {
  std::shared_ptr<SimStream> target = stream_of(stream, Use::launch);
  for (const void* pointer : pointers)
    if (pointer != nullptr) check_kernel_pointer(*target, pointer);
  submit(*target, std::move(work));
}

void SimAccelerator::synchronize_all() {
  refuse_during_capture("synchronizing the devices");
  wait_for_streams(-1);
}

}  // namespace gyre::sim
