#include "runtime/sim/sim_registry.h"

#include <cstring>

#include "runtime/error.h"
#include "runtime/sim/sim_config.h"
#include "runtime/sim/sim_memory.h"

namespace gyre::sim {

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

Registry& registry() {
  static auto* instance = new Registry();  // never destroyed: streams may run at exit
  return *instance;
}

thread_local int tls_device = 0;
thread_local std::vector<std::shared_ptr<Capture>> tls_captures;

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

void wait_for_streams(int device) {
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

}  // namespace gyre::sim
