// SimCommunicator, the simulated devices' NCCL: the communicator contract with one rank per
// sim device, each on its own thread and device buffer, and abort() freeing ranks that wait
// in a collective.
#include "parallel/sim_communicator.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <future>
#include <thread>
#include <vector>

#include "runtime/device.h"
#include "runtime/stream.h"
#include "tests/parallel/communicator_contract.h"
#include "tests/support/parallel_run.h"

using namespace gyre;
using namespace gyre::parallel;

namespace {
std::vector<Device> sim_devices() {
  std::vector<Device> devices;
  for (int i = 0; i < device_count(DeviceType::sim); ++i) devices.push_back(Device::sim(i));
  return devices;
}
}  // namespace

TEST_CASE("SimCommunicator keeps the communicator contract with one rank per sim device",
          "[sim][parallel]") {
  const std::vector<Device> devices = sim_devices();
  REQUIRE(devices.size() == 4);
  auto group = SimCommunicator::create_group(devices);
  REQUIRE(group.size() == devices.size());
  CHECK(group[2]->rank() == 2);
  CHECK(group[2]->size() == 4);
  CHECK(group[2]->backend() == "sim");
  testing::run_in_parallel(static_cast<int>(group.size()), [&](int i) {
    const DeviceGuard on_device(devices[static_cast<std::size_t>(i)]);
    testing::check_communicator_contract(*group[static_cast<std::size_t>(i)],
                                         devices[static_cast<std::size_t>(i)]);
  });
}

TEST_CASE("a sim communicator group refuses a device named twice or a CPU", "[sim][parallel]") {
  CHECK_THROWS_WITH(SimCommunicator::create_group({Device::sim(0), Device::sim(0)}),
                    Catch::Matchers::Contains("appears twice"));
  CHECK_THROWS_AS(SimCommunicator::create_group({Device::cpu()}), DeviceError);
}

TEST_CASE("abort() frees the ranks waiting in a sim collective", "[sim][parallel]") {
  auto group = SimCommunicator::create_group({Device::sim(0), Device::sim(1)});
  // Rank 0 enters an average; rank 1 never comes (its worker failed).
  auto waiting = std::async(std::launch::async, [&] {
    const DeviceGuard on_device(Device::sim(0));
    const Tensor buffer = Tensor::empty_detached({8}, DType::f32, Device::sim(0));
    return group[0]->average(buffer);
  });
  CHECK(waiting.wait_for(std::chrono::milliseconds(50)) == std::future_status::timeout);
  group[1]->abort();
  REQUIRE(waiting.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK_THROWS_AS(waiting.get(), ParallelError);
  // The device's stream is usable again: the error was reported once.
  const DeviceGuard on_device(Device::sim(0));
  CHECK_NOTHROW(Stream::current(Device::sim(0)).synchronize());
}
