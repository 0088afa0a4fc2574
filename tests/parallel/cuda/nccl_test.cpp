// [cuda] NCCL: the communicator contract with one rank per GPU present, each on its own
// thread and its own device buffer.
#include <catch2/catch.hpp>
#include <exception>
#include <thread>
#include <vector>

#include "parallel/nccl_communicator.h"
#include "runtime/device.h"
#include "tests/parallel/communicator_contract.h"
#include "tests/support/parallel_run.h"

using namespace gyre;
using namespace gyre::parallel;

TEST_CASE("NCCL keeps the communicator contract with one rank per GPU", "[cuda][parallel]") {
  REQUIRE(NcclCommunicator::available());
  std::vector<Device> devices;
  for (int i = 0; i < device_count(DeviceType::cuda); ++i) devices.push_back(Device::cuda(i));
  REQUIRE_FALSE(devices.empty());
  auto group = NcclCommunicator::create_group(devices);
  REQUIRE(group.size() == devices.size());
  testing::run_in_parallel(static_cast<int>(group.size()), [&](int i) {
    const DeviceGuard on_device(devices[static_cast<std::size_t>(i)]);
    testing::check_communicator_contract(*group[static_cast<std::size_t>(i)],
                                         devices[static_cast<std::size_t>(i)]);
  });
}

TEST_CASE("an NCCL group refuses a GPU named twice", "[cuda][parallel]") {
  CHECK_THROWS_WITH(NcclCommunicator::create_group({Device::cuda(0), Device::cuda(0)}),
                    Catch::Matchers::Contains("appears twice"));
}
