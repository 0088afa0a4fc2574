#include "runtime/device.h"

#include <catch2/catch.hpp>

#include "runtime/cuda_backend.h"
#include "runtime/error.h"

using namespace gyre;
using Catch::Matchers::Contains;

TEST_CASE("devices print and parse", "[runtime][device]") {
  CHECK(Device::cpu().to_string() == "cpu:0");
  CHECK(Device::cuda(3).to_string() == "cuda:3");
  CHECK(Device::parse("cpu") == Device::cpu());
  CHECK(Device::parse("cuda") == Device::cuda(0));
  CHECK(Device::parse("cuda:2") == Device::cuda(2));
  CHECK_THROWS_AS(Device::parse("gpu:0"), DeviceError);
  CHECK_THROWS_WITH(Device::parse("gpu:0"), Contains("'gpu:0'"));
  CHECK_THROWS_WITH(Device::parse("cuda:x"), Contains("'cuda:x'"));
  CHECK_THROWS_WITH(Device::parse("cuda:-1"), Contains("'cuda:-1'"));
  CHECK_THROWS_WITH(Device::parse("cpu:1"), Contains("cpu:0"));
}

TEST_CASE("CUDA availability equals the build flag", "[runtime][device]") {
  CHECK(cuda_backend::compiled() == static_cast<bool>(GYRE_TEST_HAS_CUDA));
  if (!cuda_backend::compiled()) CHECK(device_count(DeviceType::cuda) == 0);
  CHECK(device_count(DeviceType::cpu) == 1);
}

TEST_CASE("a device that is not there raises an error naming it and the count",
          "[runtime][device]") {
  const int count = device_count(DeviceType::cuda);
  const Device missing = Device::cuda(count + 3);
  CHECK_THROWS_AS(check_device(missing), Error);
  CHECK_THROWS_WITH(check_device(missing), Contains(missing.to_string()));
  if (cuda_backend::compiled()) {
    CHECK_THROWS_AS(check_device(missing), DeviceError);
    CHECK_THROWS_WITH(check_device(missing), Contains(std::to_string(count) + " CUDA device"));
  } else {
    CHECK_THROWS_AS(check_device(missing), NotAvailableError);
    CHECK_THROWS_WITH(check_device(missing), Contains("-DGYRE_CUDA=ON"));
  }
  CHECK_THROWS_AS(DeviceGuard(missing), Error);
  CHECK(current_device() == Device::cpu());
}

TEST_CASE("a device guard switches the thread's device and restores it", "[runtime][device]") {
  REQUIRE(current_device() == Device::cpu());
  {
    DeviceGuard guard(Device::cpu());
    CHECK(current_device() == Device::cpu());
  }
  CHECK(current_device() == Device::cpu());
  CHECK(device_slot(Device::cpu()) == 0);
  CHECK(device_slot(Device::cuda(2)) == 3);
}
