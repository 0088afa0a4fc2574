// [cuda] tests of devices, guards, streams and events on a real GPU.
#include <catch2/catch.hpp>

#include "runtime/cuda_backend.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "runtime/stream.h"

using namespace gyre;

TEST_CASE("CUDA devices report their properties", "[cuda][device]") {
  REQUIRE(device_count(DeviceType::cuda) >= 1);
  const cuda_backend::DeviceProperties properties = cuda_backend::properties(0);
  CHECK_FALSE(properties.name.empty());
  CHECK(properties.total_memory > 0);
  CHECK(properties.free_memory <= properties.total_memory);
  CHECK(properties.compute_major >= 7);
}

TEST_CASE("a device guard selects a CUDA device and restores the CPU", "[cuda][device]") {
  {
    DeviceGuard guard(Device::cuda(0));
    CHECK(current_device() == Device::cuda(0));
  }
  CHECK(current_device() == Device::cpu());
  CHECK_THROWS_AS(DeviceGuard(Device::cuda(device_count(DeviceType::cuda))), DeviceError);
}

TEST_CASE("an event orders work between two CUDA streams", "[cuda][stream]") {
  OwnedStream producer(Device::cuda(0)), consumer(Device::cuda(0));
  Event event(Device::cuda(0));
  event.record(producer);
  event.wait(consumer);
  consumer.view().synchronize();
  CHECK(event.completed());
  {
    StreamGuard guard(producer);
    CHECK(Stream::current(Device::cuda(0)) == producer.view());
  }
  CHECK(Stream::current(Device::cuda(0)).handle() == nullptr);
}

TEST_CASE("a failed CUDA call names the call", "[cuda][device]") {
  CHECK_THROWS_AS(cuda_backend::properties(9999), CudaError);
  CHECK_THROWS_WITH(cuda_backend::properties(9999),
                    Catch::Matchers::Contains("cudaGetDeviceProperties"));
}
