// [cuda] NCCL: the communicator contract with one rank per GPU present, each on its own
// thread and its own device buffer.
#include <catch2/catch.hpp>
#include <exception>
#include <thread>
#include <vector>

#include "parallel/nccl_communicator.h"
#include "runtime/device.h"
#include "tests/parallel/communicator_contract.h"

using namespace gyre;
using namespace gyre::parallel;

TEST_CASE("NCCL keeps the communicator contract with one rank per GPU", "[cuda][parallel]") {
  REQUIRE(NcclCommunicator::available());
  std::vector<Device> devices;
  for (int i = 0; i < device_count(DeviceType::cuda); ++i) devices.push_back(Device::cuda(i));
  REQUIRE_FALSE(devices.empty());
  auto group = NcclCommunicator::create_group(devices);
  REQUIRE(group.size() == devices.size());
  std::vector<std::exception_ptr> failures(group.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < group.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        DeviceGuard on_device(devices[i]);
        testing::check_communicator_contract(*group[i], devices[i]);
      } catch (...) {
        failures[i] = std::current_exception();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& failure : failures) {
    if (failure == nullptr) continue;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& error) {
      FAIL(error.what());
    }
  }
}

TEST_CASE("an NCCL group refuses a GPU named twice", "[cuda][parallel]") {
  CHECK_THROWS_WITH(NcclCommunicator::create_group({Device::cuda(0), Device::cuda(0)}),
                    Catch::Matchers::Contains("appears twice"));
}
