#include "runtime/sim/sim_accelerator.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "runtime/log.h"
#include "runtime/sim/sim_config.h"
#include "runtime/sim/sim_memory.h"
#include "runtime/sim/sim_registry.h"
#include "runtime/sim/sim_reserved_range.h"

namespace gyre::sim {

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

std::unique_ptr<ReservedRange> SimAccelerator::reserve_device(std::size_t capacity, int device) {
  check_index(device);
  return reserve_sim_range(
      device, capacity != 0 ? capacity : default_device_reservation(config().memory_per_device));
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
