// [device] device guards, streams and events of the test device's accelerator
// (tests/support/test_device.h). CUDA's own properties and errors: cuda/device_cuda_test.cpp.
#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "runtime/accelerator.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "runtime/memory_resource.h"
#include "runtime/stream.h"
#include "tests/support/test_device.h"

using namespace gyre;

TEST_CASE("a device guard selects an accelerator and restores the CPU", "[device]") {
  const Device device = testing::test_device();
  Accelerator& accelerator = gyre::accelerator(device);
  REQUIRE(current_device() == Device::cpu());
  const int before = accelerator.current_device();
  {
    DeviceGuard guard(device);
    CHECK(current_device() == device);
    CHECK(accelerator.current_device() == device.index);
    if (testing::test_device_count() >= 2) {
      const Device second = testing::test_device(1);
      {
        DeviceGuard nested(second);
        CHECK(current_device() == second);
        CHECK(accelerator.current_device() == second.index);
      }
      CHECK(current_device() == device);
      CHECK(accelerator.current_device() == device.index);
    } else {
      WARN("one " << name_of(testing::device_kind()) << " device: nested guards not checked");
    }
  }
  CHECK(current_device() == Device::cpu());
  CHECK(accelerator.current_device() == before);
  const Device missing{testing::device_kind(), testing::test_device_count()};
  CHECK_THROWS_AS(DeviceGuard(missing), DeviceError);
  CHECK(current_device() == Device::cpu());
}

namespace {
// Checks that a consumer stream reads what a producer stream wrote only once an event says
// so. The producer writes a pattern after a queue of unrelated copies (the ballast), and
// the device buffer holds zeros before: a consumer that did not wait would read them.
class Handoff {
 public:
  static constexpr std::size_t kBallast = std::size_t{32} << 20, kCount = 4096;
  static constexpr std::size_t kBytes = kCount * sizeof(float);

  explicit Handoff(Device device)
      : device_(device), memory_(device), pinned_(testing::device_kind()) {
    ballast_ = memory_.allocate(kBallast);
    ballast_source_ = pinned_.allocate(kBallast);
    std::memset(ballast_source_, 1, kBallast);
    written_ = memory_.allocate(kBytes);
    pattern_ = static_cast<float*>(pinned_.allocate(kBytes));
    back_ = static_cast<float*>(pinned_.allocate(kBytes));
    for (std::size_t i = 0; i < kCount; ++i) {
      pattern_[i] = static_cast<float>(i) + 0.5f;
      back_[i] = -1.0f;
    }
    const Stream stream = Stream::current(device);  // the caller has the device current
    accelerator(device).memset_async(written_, 0, kBytes, stream);
    accelerator(device).synchronize(stream);
  }
  ~Handoff() {
    pinned_.deallocate(back_, kBytes);
    pinned_.deallocate(pattern_, kBytes);
    memory_.deallocate(written_, kBytes);
    pinned_.deallocate(ballast_source_, kBallast);
    memory_.deallocate(ballast_, kBallast);
  }
  Handoff(const Handoff&) = delete;
  Handoff& operator=(const Handoff&) = delete;

  void produce(Stream producer) {
    for (int i = 0; i < 8; ++i)
      accelerator(device_).copy_async(ballast_, ballast_source_, kBallast, producer);
    accelerator(device_).copy_async(written_, pattern_, kBytes, producer);
  }
  void consume(Stream consumer) {
    accelerator(device_).copy_async(back_, written_, kBytes, consumer);
  }
  /// After the consumer's work: whether it read the producer's pattern.
  bool consumed_pattern() const { return std::memcmp(back_, pattern_, kBytes) == 0; }

 private:
  Device device_;
  DeviceMemoryResource memory_;
  PinnedHostMemoryResource pinned_;
  void* ballast_ = nullptr;
  void* ballast_source_ = nullptr;
  void* written_ = nullptr;
  float* pattern_ = nullptr;
  float* back_ = nullptr;
};

void check_event_ordering(Device device) {
  INFO("on " << device);
  const DeviceGuard on_device(device);
  Handoff handoff(device);
  OwnedStream producer(device), consumer(device);
  Event event(device);
  handoff.produce(producer);
  event.record(producer);
  event.wait(consumer);
  handoff.consume(consumer);
  consumer.view().synchronize();
  CHECK(event.completed());
  CHECK(handoff.consumed_pattern());
  producer.view().synchronize();

  {
    StreamGuard guard(producer);
    CHECK(Stream::current(device) == producer.view());
  }
  CHECK(Stream::current(device).handle() == nullptr);
}
}  // namespace

TEST_CASE("an event orders work between two streams", "[device][stream]") {
  check_event_ordering(testing::test_device());
  if (testing::test_device_count() < 2) {
    WARN("one " << name_of(testing::device_kind()) << " device: only device 0 checked");
    return;
  }
  check_event_ordering(testing::test_device(testing::test_device_count() - 1));
}

TEST_CASE("a wait binds to the record made before it, not to a later record of the event",
          "[device][stream]") {
  // The EventPool pattern (runtime/event_pool.h): once a stream waits on an event, the event
  // may be recorded again on another stream; the wait still stands for the earlier record
  // (as cudaStreamWaitEvent uses the event's state at the time of the call).
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  Handoff handoff(device);
  OwnedStream producer(device), consumer(device), other(device);
  Event event(device);
  handoff.produce(producer);
  event.record(producer);
  event.wait(consumer);  // bound to the record on `producer`
  handoff.consume(consumer);
  event.record(other);  // `other` is idle: this record completes at once
  other.view().synchronize();
  consumer.view().synchronize();
  CHECK(handoff.consumed_pattern());
  producer.view().synchronize();
}

TEST_CASE("an event recorded before any work is complete, and waiting on it delays nothing",
          "[device][stream]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  OwnedStream producer(device), consumer(device);
  Event event(device);
  event.record(producer);
  event.wait(consumer);
  consumer.view().synchronize();
  CHECK(event.completed());
  event.synchronize();
  CHECK(event.completed());
}
