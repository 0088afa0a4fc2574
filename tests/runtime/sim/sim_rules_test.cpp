// The simulated device keeps CUDA's rules: asynchronous in-order streams, events, the
// current device per thread, separate device and pinned memory with a capacity, and graph
// capture. Each rule is checked directly against runtime/sim/ (four sim devices).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>
#include <vector>

#include "runtime/accelerator.h"
#include "runtime/error.h"
#include "runtime/sim/sim_accelerator.h"
#include "runtime/sim/sim_memory.h"
#include "runtime/stream.h"
#include "runtime/system_resources.h"
#include "runtime/tensor.h"
#include "runtime/tensor_copy.h"

using namespace gyre;
using Catch::Matchers::Contains;

namespace {
sim::SimAccelerator& simulated() {
  return sim::SimAccelerator::instance();
}

// A latch the host opens: work that waits on it keeps its stream busy until then.
struct Latch {
  std::promise<void> promise;
  std::shared_future<void> future = promise.get_future().share();
  void open() { promise.set_value(); }
  std::function<void()> wait_op() {
    auto f = future;
    return [f] { f.wait(); };
  }
};

// Device memory of sim:`index` as a plain pointer, freed by the guard.
struct DeviceBuffer {
  explicit DeviceBuffer(std::size_t size, int device = 0)
      : index(device), pointer(simulated().malloc_device(size, device)) {}
  ~DeviceBuffer() { simulated().free_device(pointer, index); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  int index;
  void* pointer;
};
}  // namespace

TEST_CASE("sim devices exist as GYRE_SIM_DEVICES says and parse as sim:N", "[sim][device]") {
  REQUIRE(device_count(DeviceType::sim) == 4);
  CHECK(Device::parse("sim:3") == Device::sim(3));
  CHECK(Device::parse("sim") == Device::sim(0));
  CHECK(Device::sim(2).to_string() == "sim:2");
  CHECK(Device::sim(0).is_accelerator());
  CHECK_FALSE(Device::sim(0).is_cuda());
  CHECK_THROWS_WITH(check_device(Device::sim(4)), Contains("sim:0..sim:3"));
  const std::vector<Device> all = accelerators();
  CHECK(std::count(all.begin(), all.end(), Device::sim(3)) == 1);
  CHECK(free_memory(Device::sim(0)) > 0);
}

TEST_CASE("enqueueing on a sim stream returns at once; synchronize waits for the work",
          "[sim][stream]") {
  OwnedStream stream(Device::sim(0));
  Latch latch;
  std::atomic<bool> ran{false};
  simulated().launch(stream, {}, latch.wait_op());
  simulated().launch(stream, {}, [&] { ran = true; });
  CHECK_FALSE(ran.load());  // the stream waits for the latch; the host went on
  latch.open();
  stream.view().synchronize();
  CHECK(ran.load());
}

TEST_CASE("a sim stream runs its work in order", "[sim][stream]") {
  OwnedStream stream(Device::sim(0));
  std::vector<int> order;
  for (int i = 0; i < 100; ++i) simulated().launch(stream, {}, [&order, i] { order.push_back(i); });
  stream.view().synchronize();
  REQUIRE(order.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(order[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("an event orders two sim streams without blocking the host", "[sim][stream]") {
  OwnedStream producer(Device::sim(0)), consumer(Device::sim(0));
  Event event(Device::sim(0));
  CHECK(event.completed());  // never recorded: complete, as in CUDA
  event.wait(consumer);      // and waiting on it is a no-op
  Latch latch;
  std::atomic<int> step{0};
  simulated().launch(producer, {}, latch.wait_op());
  simulated().launch(producer, {}, [&] { step = 1; });
  event.record(producer);
  CHECK_FALSE(event.completed());
  event.wait(consumer);
  int seen = -1;
  simulated().launch(consumer, {}, [&] { seen = step.load(); });
  latch.open();
  consumer.view().synchronize();
  CHECK(seen == 1);  // the consumer ran after the producer's work, not before
  CHECK(event.completed());
}

TEST_CASE("a wait binds the event's newest record at the time of the wait", "[sim][stream]") {
  OwnedStream a(Device::sim(0)), b(Device::sim(0));
  Event event(Device::sim(0));
  Latch first, second;
  simulated().launch(a, {}, first.wait_op());
  event.record(a);
  event.wait(b);  // waits for the first record only
  std::atomic<bool> b_ran{false};
  simulated().launch(b, {}, [&] { b_ran = true; });
  simulated().launch(a, {}, second.wait_op());
  event.record(a);  // a later record does not move b's wait
  first.open();
  b.view().synchronize();
  CHECK(b_ran.load());
  CHECK_FALSE(event.completed());  // the newest record is still behind the second latch
  second.open();
  event.synchronize();
  CHECK(event.completed());
}

TEST_CASE("work on a destroyed sim stream or event is an error", "[sim][stream]") {
  void* stream_handle = nullptr;
  {
    OwnedStream stream(Device::sim(0));
    stream_handle = stream.view().handle();
  }
  const Stream dead(Device::sim(0), stream_handle);
  CHECK_THROWS_AS(dead.synchronize(), DeviceError);
  CHECK_THROWS_WITH(simulated().launch(dead, {}, [] {}), Contains("not a live stream"));
  void* event_handle = simulated().create_event(0);
  simulated().destroy_event(event_handle);
  CHECK_THROWS_WITH(simulated().record_event(event_handle, Stream(Device::sim(0), nullptr)),
                    Contains("not a live event"));
  // A stream handle is not an event, nor the other way round.
  OwnedStream live(Device::sim(0));
  CHECK_THROWS_AS(simulated().event_completed(live.view().handle()), DeviceError);
}

TEST_CASE("each thread has a current sim device, 0 in a new thread, kept by the guards",
          "[sim][device]") {
  Accelerator& sim = accelerator(Device::sim(0));
  CHECK(sim.current_device() == 0);
  {
    DeviceGuard outer(Device::sim(2));
    CHECK(sim.current_device() == 2);
    CHECK(current_device() == Device::sim(2));
    std::thread([&] { CHECK(sim.current_device() == 0); }).join();
    {
      DeviceGuard inner(Device::sim(1));
      CHECK(sim.current_device() == 1);
    }
    CHECK(sim.current_device() == 2);
    {
      DeviceGuard cpu(Device::cpu());
      DeviceGuard inner(Device::sim(3));
    }
    // The previous Gyre device was the CPU: the guard restores the sim device all the same.
    CHECK(sim.current_device() == 2);
  }
  CHECK(sim.current_device() == 0);
  CHECK(current_device() == Device::cpu());
}

TEST_CASE("work on another device's stream is refused, as a missing device guard",
          "[sim][device]") {
  OwnedStream other(Device::sim(1));
  CHECK_THROWS_WITH(simulated().launch(other, {}, [] {}), Contains("DeviceGuard(sim:1)"));
  // A copy runs on any device's stream, as in CUDA.
  DeviceBuffer on_other(64, 1);
  std::vector<float> host(16, 3.0f), back(16, 0.0f);
  simulated().copy_async(on_other.pointer, host.data(), 64, other);
  simulated().copy_async(back.data(), on_other.pointer, 64, other);
  CHECK(back == host);
  // The null stream is the current device's: naming sim:1's needs sim:1 current.
  CHECK_THROWS_AS(Stream(Device::sim(1), nullptr).synchronize(), DeviceError);
  DeviceGuard guard(Device::sim(1));
  std::atomic<bool> ran{false};
  simulated().launch(other, {}, [&] { ran = true; });
  Stream(Device::sim(1), nullptr).synchronize();
  other.view().synchronize();
  CHECK(ran.load());
}

TEST_CASE("a kernel may touch only its device's memory or pinned memory", "[sim][memory]") {
  DeviceBuffer mine(1024, 0), theirs(1024, 1);
  void* pinned = simulated().malloc_pinned(1024);
  std::vector<float> pageable(256);
  const Stream stream(Device::sim(0), nullptr);
  CHECK_NOTHROW(simulated().launch(stream, {mine.pointer, pinned}, [] {}));
  CHECK_THROWS_WITH(simulated().launch(stream, {pageable.data()}, [] {}),
                    Contains("pageable host memory"));
  CHECK_THROWS_WITH(simulated().launch(stream, {theirs.pointer}, [] {}),
                    Contains("memory of sim:1"));
  stream.synchronize();
  simulated().free_pinned(pinned);
}

TEST_CASE("sim device memory has a capacity, is counted, and starts as NaN", "[sim][memory]") {
  sim::SimMemory& memory = sim::SimMemory::instance();
  const std::size_t before = memory.bytes_in_use(2);
  CHECK_THROWS_AS(simulated().malloc_device(std::size_t{1} << 40, 2), OutOfMemoryError);
  CHECK_THROWS_WITH(simulated().malloc_device(std::size_t{1} << 40, 2),
                    Contains("sim:2") && Contains("GYRE_SIM_MEMORY"));
  const std::uint64_t allocations = memory.allocations(2);
  {
    DeviceBuffer buffer(4096, 2);
    CHECK(memory.bytes_in_use(2) == before + 4096);
    CHECK(memory.allocations(2) == allocations + 1);
    DeviceGuard guard(Device::sim(2));
    std::vector<std::uint32_t> back(1024, 0);
    simulated().copy_async(back.data(), buffer.pointer, 4096, Stream(Device::sim(2), nullptr));
    for (std::uint32_t bits : back) CHECK(bits == 0xFFFFFFFFu);
  }
  CHECK(memory.bytes_in_use(2) == before);
  void* pinned = simulated().malloc_pinned(512);
  CHECK_THROWS_WITH(memory.classify(static_cast<char*>(pinned) + 256, 512),
                    Contains("run past the end"));
  simulated().free_pinned(pinned);
}

TEST_CASE("host code reading a sim tensor fails as it does for a CUDA tensor", "[sim][tensor]") {
  const Tensor on_sim = Tensor::empty_detached({4, 4}, DType::f32, Device::sim(0));
  CHECK_THROWS_AS(on_sim.data<float>(), DeviceError);
  CHECK_THROWS_WITH(on_sim.data_ptr(),
                    Contains("sim:0") && Contains("host code cannot read or write it"));
  float storage[16] = {};
  const Tensor on_cuda = Tensor::wrap(storage, {4, 4}, DType::f32, Device::cuda(0));
  CHECK_THROWS_WITH(on_cuda.data_ptr(), Contains("host code cannot read or write it"));
  // Through a copy it works.
  const Tensor host = Tensor::empty_detached({4, 4}, DType::f32, Device::cpu());
  for (int i = 0; i < 16; ++i) host.data<float>()[i] = static_cast<float>(i);
  copy_tensor(host, on_sim);
  const Tensor back = Tensor::empty_detached({4, 4}, DType::f32, Device::cpu());
  copy_tensor(on_sim, back);
  Stream::current(Device::sim(0)).synchronize();
  CHECK(std::memcmp(back.data<float>(), host.data<float>(), 64) == 0);
}

TEST_CASE("copies follow CUDA's rules for pageable and pinned host memory", "[sim][memory]") {
  DeviceBuffer device(64 * sizeof(float));
  OwnedStream stream(Device::sim(0));
  std::vector<float> source(64, 1.0f);
  simulated().copy_async(device.pointer, source.data(), 256, stream);
  // A pageable source was staged before the call returned: changing it now changes nothing.
  std::fill(source.begin(), source.end(), 2.0f);
  auto* pinned = static_cast<float*>(simulated().malloc_pinned(256));
  std::fill(pinned, pinned + 64, -1.0f);
  Latch latch;
  simulated().launch(stream, {}, latch.wait_op());
  simulated().copy_async(pinned, device.pointer, 256, stream);
  CHECK(pinned[0] == -1.0f);  // into pinned memory: asynchronous, not done yet
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    latch.open();
  });
  std::vector<float> pageable(64, 0.0f);
  simulated().copy_async(pageable.data(), device.pointer, 256, stream);
  // Into pageable memory: the call returned only once the copy was done.
  CHECK(pageable[63] == 1.0f);
  opener.join();
  stream.view().synchronize();
  CHECK(pinned[63] == 1.0f);
  simulated().free_pinned(pinned);
}

TEST_CASE("an operation that throws on a sim stream is reported once, at synchronize",
          "[sim][stream]") {
  OwnedStream stream(Device::sim(0));
  simulated().launch(stream, {}, [] { throw InvalidArgumentError("kernel failed"); });
  CHECK_THROWS_WITH(stream.view().synchronize(),
                    Contains("failed asynchronously") && Contains("kernel failed"));
  CHECK_NOTHROW(stream.view().synchronize());  // reported, then cleared
}

TEST_CASE("freeing device memory waits for the work of a stream already destroyed",
          "[sim][memory]") {
  auto* pinned = static_cast<float*>(simulated().malloc_pinned(256));
  std::fill(pinned, pinned + 64, 5.0f);
  void* device = simulated().malloc_device(256, 0);
  Latch latch;
  std::atomic<bool> copied{false};
  {
    OwnedStream stream(Device::sim(0));
    simulated().launch(stream, {}, latch.wait_op());
    simulated().copy_async(device, pinned, 256, stream);
    simulated().launch(stream, {}, [&] { copied = true; });
  }  // destroyed with its copy still queued behind the latch
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    latch.open();
  });
  simulated().free_device(device, 0);  // must wait for the copy, as cudaFree does
  CHECK(copied.load());
  simulated().free_pinned(pinned);
  opener.join();
}

TEST_CASE("capture records a sim stream's work; each replay runs it again", "[sim][graph]") {
  OwnedStream stream(Device::sim(0));
  std::atomic<int> runs{0};
  simulated().begin_capture(stream);
  simulated().launch(stream, {}, [&] { ++runs; });
  void* graph = simulated().end_capture(stream);
  REQUIRE(graph != nullptr);
  stream.view().synchronize();
  CHECK(runs.load() == 0);  // captured, not executed
  for (int i = 0; i < 3; ++i) simulated().launch_graph(graph, stream);
  stream.view().synchronize();
  CHECK(runs.load() == 3);
  OwnedStream elsewhere(Device::sim(1));
  DeviceGuard guard(Device::sim(1));
  CHECK_THROWS_WITH(simulated().launch_graph(graph, elsewhere), Contains("captured on sim:0"));
  simulated().destroy_graph(graph);
  DeviceGuard back(Device::sim(0));
  CHECK_THROWS_WITH(simulated().launch_graph(graph, stream), Contains("not a live graph"));
}

TEST_CASE("what CUDA forbids during capture fails the capture", "[sim][graph]") {
  OwnedStream stream(Device::sim(0)), other(Device::sim(0));
  Event outside(Device::sim(0));
  outside.record(other);
  std::vector<float> pageable(16);
  DeviceBuffer device(64);
  const std::vector<std::pair<const char*, std::function<void()>>> forbidden = {
      {"synchronizing a stream", [&] { stream.view().synchronize(); }},
      {"synchronizing the legacy stream", [&] { Stream(Device::sim(0), nullptr).synchronize(); }},
      {"cudaMalloc", [&] { (void)simulated().malloc_device(64, 0); }},
      {"cudaHostAlloc", [&] { (void)simulated().malloc_pinned(64); }},
      {"recorded outside the capture", [&] { outside.wait(stream); }},
      {"pageable host memory",
       [&] { simulated().copy_async(device.pointer, pageable.data(), 64, stream); }},
  };
  for (const auto& [what, call] : forbidden) {
    INFO(what);
    simulated().begin_capture(stream);
    simulated().launch(stream, {}, [] {});
    CHECK_THROWS_AS(call(), DeviceError);
    // Later work on the stream is refused too, and the capture yields no graph.
    CHECK_THROWS_WITH(simulated().launch(stream, {}, [] {}), Contains("invalidated"));
    CHECK(simulated().end_capture(stream) == nullptr);
  }
  CHECK_THROWS_AS(simulated().begin_capture(Stream(Device::sim(0), nullptr)), DeviceError);
  // What CUDA allows beside a capture: synchronizing another stream, or an eager event.
  simulated().begin_capture(stream);
  CHECK_NOTHROW(other.view().synchronize());
  CHECK_NOTHROW(outside.synchronize());
  CHECK(simulated().end_capture(stream) != nullptr);
}

TEST_CASE("an event recorded inside a capture cannot be waited on outside it", "[sim][graph]") {
  OwnedStream stream(Device::sim(0)), eager(Device::sim(0));
  Event inside(Device::sim(0));
  simulated().begin_capture(stream);
  inside.record(stream);
  inside.wait(stream);  // the same capture: fine
  void* graph = simulated().end_capture(stream);
  REQUIRE(graph != nullptr);
  CHECK_THROWS_WITH(inside.wait(eager), Contains("cudaErrorStreamCaptureIsolation"));
  CHECK_THROWS_AS(inside.completed(), DeviceError);
  inside.record(eager);  // an eager record makes it an ordinary event again
  CHECK_NOTHROW(inside.wait(stream));
  stream.view().synchronize();
  simulated().destroy_graph(graph);
}

TEST_CASE("a sim device range commits memory against the capacity and gives it back",
          "[sim][memory]") {
  sim::SimMemory& memory = sim::SimMemory::instance();
  const std::size_t before = memory.bytes_in_use(1);
  const std::uint64_t allocations = memory.allocations(1);
  DeviceMemoryResource resource(Device::sim(1));
  std::unique_ptr<ReservedRange> range = resource.reserve(1 << 20);
  REQUIRE(range != nullptr);
  CHECK(memory.bytes_in_use(1) == before);  // addresses only
  range->commit(256 << 10);
  CHECK(memory.bytes_in_use(1) == before + (256 << 10));
  CHECK(memory.allocations(1) == allocations + 1);  // as a cuMemCreate
  const sim::Region committed = memory.classify(range->base(), 256 << 10);
  CHECK(committed.kind == MemoryKind::device);
  CHECK(committed.device == 1);
  CHECK_THROWS_AS(memory.classify(range->base() + 1024, 256 << 10), DeviceError);  // past it
  range->commit(64 << 10);  // the chunk straddles: given back, and 64 KiB mapped anew
  CHECK(memory.bytes_in_use(1) == before + (64 << 10));
  range.reset();
  CHECK(memory.bytes_in_use(1) == before);
  // Past the device's capacity a commit is refused, and nothing is held.
  std::unique_ptr<ReservedRange> large = resource.reserve(std::size_t{4} << 30);
  CHECK_THROWS_AS(large->commit(std::size_t{3} << 30), OutOfMemoryError);
  CHECK(large->committed() == 0);
  CHECK(memory.bytes_in_use(1) == before);
}
