// [cuda] tests of the pinned, device and stream-ordered device resources.
#include <catch2/catch.hpp>
#include <vector>

#include "runtime/cuda_backend.h"
#include "runtime/error.h"
#include "runtime/memory_resource.h"
#include "runtime/statistics_resource.h"
#include "runtime/tensor.h"
#include "tests/support/memory_resource_contract.h"

using namespace gyre;

TEST_CASE("pinned host memory meets the resource contract", "[cuda][memory]") {
  PinnedHostMemoryResource pinned;
  testing::check_memory_resource_contract(pinned);
}

TEST_CASE("cudaMalloc memory meets the resource contract", "[cuda][memory]") {
  DeviceMemoryResource device(Device::cuda(0));
  testing::check_memory_resource_contract(device);
}

TEST_CASE("cudaMallocAsync memory meets the resource contract", "[cuda][memory]") {
  AsyncDeviceMemoryResource device(Device::cuda(0));
  testing::check_memory_resource_contract(device);
}

TEST_CASE("stream-ordered memory round-trips data on a side stream", "[cuda][memory]") {
  AsyncDeviceMemoryResource resource(Device::cuda(0));
  OwnedStream stream(Device::cuda(0));
  std::vector<float> host(4096), back(4096);
  for (std::size_t i = 0; i < host.size(); ++i) host[i] = static_cast<float>(i) * 0.5f;
  void* device = resource.allocate(host.size() * sizeof(float), kDefaultAlignment, stream);
  cuda_backend::copy_async(device, host.data(), host.size() * sizeof(float),
                           stream.view().handle());
  cuda_backend::copy_async(back.data(), device, host.size() * sizeof(float),
                           stream.view().handle());
  resource.deallocate(device, host.size() * sizeof(float), kDefaultAlignment, stream);
  stream.view().synchronize();
  CHECK(back == host);
}

TEST_CASE("a detached CUDA tensor lives in device memory", "[cuda][tensor]") {
  Tensor tensor = Tensor::empty({32, 32}, DType::f32, Device::cuda(0));
  CHECK(tensor.is_detached());
  CHECK(tensor.device() == Device::cuda(0));
  std::vector<float> host(32 * 32, 2.0f), back(32 * 32);
  cuda_backend::copy_async(tensor.data<float>(), host.data(), tensor.nbytes(), nullptr);
  cuda_backend::copy_async(back.data(), tensor.data<float>(), tensor.nbytes(), nullptr);
  cuda_backend::synchronize_stream(nullptr);
  CHECK(back == host);
}

TEST_CASE("CUDA refuses alignments it cannot give", "[cuda][memory]") {
  DeviceMemoryResource device(Device::cuda(0));
  CHECK_THROWS_WITH(device.allocate(64, 4096), Catch::Matchers::Contains("4096"));
}
