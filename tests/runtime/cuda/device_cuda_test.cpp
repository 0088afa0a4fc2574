// [cuda] what only CUDA has: its device properties and the errors of its calls. Device
// guards, streams and events of every accelerator: device/stream_device_test.cpp.
#include <catch2/catch.hpp>

#include "runtime/cuda_backend.h"
#include "runtime/device.h"
#include "runtime/error.h"

using namespace gyre;

TEST_CASE("CUDA devices report their properties", "[cuda][device]") {
  REQUIRE(device_count(DeviceType::cuda) >= 1);
  const cuda_backend::DeviceProperties properties = cuda_backend::properties(0);
  CHECK_FALSE(properties.name.empty());
  CHECK(properties.total_memory > 0);
  CHECK(properties.free_memory <= properties.total_memory);
  CHECK(properties.compute_major >= 7);
}

TEST_CASE("a failed CUDA call names the call", "[cuda][device]") {
  CHECK_THROWS_AS(cuda_backend::properties(9999), CudaError);
  CHECK_THROWS_WITH(cuda_backend::properties(9999),
                    Catch::Matchers::Contains("cudaGetDeviceProperties"));
}
