// [device] tests of the pinned, device and stream-ordered device resources of the test
// device's accelerator (tests/support/test_device.h).
#include <catch2/catch.hpp>
#include <vector>

#include "runtime/accelerator.h"
#include "runtime/detached_memory.h"
#include "runtime/error.h"
#include "runtime/memory_resource.h"
#include "runtime/statistics_resource.h"
#include "runtime/stream.h"
#include "runtime/tensor.h"
#include "tests/support/memory_resource_contract.h"
#include "tests/support/test_device.h"

using namespace gyre;

TEST_CASE("pinned host memory meets the resource contract", "[device][memory]") {
  PinnedHostMemoryResource pinned(testing::device_kind());
  CHECK(pinned.accelerator() == testing::device_kind());
  CHECK(pinned.kind() == MemoryKind::pinned_host);
  testing::check_memory_resource_contract(pinned);
}

TEST_CASE("device memory meets the resource contract", "[device][memory]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  DeviceMemoryResource memory(device);
  CHECK(memory.kind() == MemoryKind::device);
  CHECK(memory.device() == device);
  testing::check_memory_resource_contract(memory);
}

TEST_CASE("stream-ordered device memory meets the resource contract", "[device][memory]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);  // no stream given: the device's default stream
  AsyncDeviceMemoryResource memory(device);
  CHECK(memory.kind() == MemoryKind::device);
  CHECK(memory.device() == device);
  testing::check_memory_resource_contract(memory);
}

TEST_CASE("stream-ordered memory round-trips data on a side stream", "[device][memory]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  AsyncDeviceMemoryResource resource(device);
  OwnedStream stream(device);
  std::vector<float> host(4096), back(4096, -1.0f);
  for (std::size_t i = 0; i < host.size(); ++i) host[i] = static_cast<float>(i) * 0.5f;
  const std::size_t bytes = host.size() * sizeof(float);
  void* memory = resource.allocate(bytes, kDefaultAlignment, stream);
  REQUIRE(memory != nullptr);
  accelerator(device).copy_async(memory, host.data(), bytes, stream);
  accelerator(device).copy_async(back.data(), memory, bytes, stream);
  resource.deallocate(memory, bytes, kDefaultAlignment, stream);
  stream.view().synchronize();
  CHECK(back == host);
}

TEST_CASE("a detached device tensor lives in device memory", "[device][tensor]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  Tensor tensor = Tensor::empty_detached({32, 32}, DType::f32, device);
  CHECK(tensor.is_detached());
  CHECK(tensor.device() == device);
  // Host code cannot touch it: only copies on the device's streams can.
  CHECK_THROWS_AS(tensor.data<float>(), DeviceError);
  CHECK_THROWS_AS(tensor.data_ptr(), DeviceError);
  std::vector<float> host(32 * 32, 2.0f), back(32 * 32, -1.0f);
  const Stream stream = Stream::current(device);
  accelerator(device).copy_async(tensor.device_ptr(), host.data(), tensor.nbytes(), stream);
  accelerator(device).copy_async(back.data(), tensor.device_ptr(), tensor.nbytes(), stream);
  accelerator(device).synchronize(stream);
  CHECK(back == host);
}

TEST_CASE("device memory refuses alignments the accelerator cannot give", "[device][memory]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  DeviceMemoryResource memory(device);
  CHECK_THROWS_AS(memory.allocate(64, 4096), InvalidArgumentError);
  CHECK_THROWS_WITH(memory.allocate(64, 4096), Catch::Matchers::Contains("4096"));
  AsyncDeviceMemoryResource async(device);
  CHECK_THROWS_WITH(async.allocate(64, 4096), Catch::Matchers::Contains("4096"));
  PinnedHostMemoryResource pinned(testing::device_kind());
  CHECK_THROWS_WITH(pinned.allocate(64, 4096), Catch::Matchers::Contains("4096"));
}

// The detached-memory cache pools a freed block under the stream it was
// freed on. Those pools must not outlive the stream: trim() would free on a destroyed
// stream, and on CUDA a new stream with a reused handle value would inherit the blocks.
TEST_CASE("blocks cached under a stream leave the cache before the stream is destroyed",
          "[device][memory]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  CachingResource& cache = detached_resource(device);
  cache.trim();
  {
    OwnedStream stream(device);
    const StreamGuard on_stream(stream);
    { const Tensor freed = Tensor::empty_detached({1 << 16}, DType::f32, device); }
    CHECK(cache.statistics().cached_bytes == CachingResource::size_class(4 << 16));
  }
  // The stream's pool went back upstream, in the stream's order, before it was destroyed.
  CHECK(cache.statistics().cached_bytes == 0);
  CHECK(cache.trim() == 0);
}

TEST_CASE("a stream outlives the detached tensors allocated on it", "[device][memory]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  CachingResource& cache = detached_resource(device);
  cache.trim();
  std::vector<float> host(1000, 3.0f), back(1000, 0.0f);
  Tensor survivor;
  {
    OwnedStream stream(device);
    const StreamGuard on_stream(stream);
    survivor = Tensor::empty_detached({1000}, DType::f32, device);
    accelerator(device).copy_async(survivor.device_ptr(), host.data(), 4000, stream);
    stream.view().synchronize();
  }  // the stream's destruction is deferred until `survivor` is released
  const Stream legacy = Stream::current(device);
  accelerator(device).copy_async(back.data(), survivor.device_ptr(), 4000, legacy);
  legacy.synchronize();
  CHECK(back == host);
  survivor = Tensor();  // freed on its (still live) stream, which is then destroyed
  CHECK(cache.statistics().cached_bytes == 0);
  CHECK(cache.trim() == 0);
}
