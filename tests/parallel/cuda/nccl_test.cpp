// [cuda] NCCL: the communicator contract with one rank per GPU present, each on its own
// thread and its own device buffer.
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "parallel/nccl_communicator.h"
#include "runtime/device.h"
#include "runtime/stream.h"
#include "runtime/tensor.h"
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

// The ranks of a group destroyed one after another from one thread (the
// usual end of a ParallelWrapper) must not wait forever for each other. With one GPU this
// passes trivially; it needs two or more to show the defect.
TEST_CASE("an NCCL group is torn down from one thread without hanging", "[cuda][parallel]") {
  std::vector<Device> devices;
  for (int i = 0; i < device_count(DeviceType::cuda); ++i) devices.push_back(Device::cuda(i));
  REQUIRE_FALSE(devices.empty());
  auto group = NcclCommunicator::create_group(devices);
  testing::run_in_parallel(static_cast<int>(group.size()), [&](int i) {
    const DeviceGuard on_device(devices[static_cast<std::size_t>(i)]);
    const Tensor buffer =
        Tensor::empty_detached({64}, DType::f32, devices[static_cast<std::size_t>(i)]);
    group[static_cast<std::size_t>(i)]->all_reduce_sum(buffer);
    Stream::current(devices[static_cast<std::size_t>(i)]).synchronize();
  });
  // On a thread of its own, detached, so that a hang fails the test instead of stalling it.
  std::promise<void> done;
  std::future<void> finished = done.get_future();
  auto owned = std::make_shared<decltype(group)>(std::move(group));
  std::thread([owned, done = std::move(done)]() mutable {
    owned->clear();
    done.set_value();
  }).detach();
  owned.reset();
  REQUIRE(finished.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
}
