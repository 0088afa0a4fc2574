#include "parallel/sim_communicator.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>

#include "runtime/accelerator.h"
#include "runtime/sim/sim_accelerator.h"
#include "runtime/stream.h"

namespace gyre::parallel {

// The ranks' meeting point. A collective has two phases: every rank arrives with its
// buffer; the last one to arrive reduces into `result`; every rank copies the result back
// and leaves; the next collective starts once all have left.
struct SimCommunicator::Group {
  explicit Group(int ranks) : size(ranks), buffers(static_cast<std::size_t>(ranks)) {}
  const int size;
  std::mutex mutex;
  std::condition_variable changed;
  std::uint64_t generation = 0;  // collectives completed
  int arrived = 0, left = 0;
  bool aborted = false;
  struct Entry {
    float* data = nullptr;
    std::size_t count = 0;
    bool contributes = false;
  };
  std::vector<Entry> buffers;
  std::vector<float> result;
  int contributors = 0;

  // Runs on rank `rank`'s stream executor. Returns how many ranks contributed.
  int meet(int rank, Entry entry, bool mean) {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return aborted || left == 0; });  // the previous one is over
    GYRE_CHECK(!aborted, ParallelError, "sim collective: aborted (a peer failed)");
    const std::uint64_t mine = generation;
    buffers[static_cast<std::size_t>(rank)] = entry;
    if (++arrived == size) {
      contributors = 0;
      result.assign(entry.count, 0.0f);
      for (const Entry& other : buffers) {
        GYRE_CHECK(other.count == entry.count, ParallelError, "sim collective: ranks passed ",
                   other.count, " and ", entry.count, " elements");
        if (!other.contributes) continue;
        ++contributors;
        for (std::size_t i = 0; i < entry.count; ++i) result[i] += other.data[i];
      }
      if (mean && contributors > 0)
        for (float& value : result) value /= static_cast<float>(contributors);
      arrived = 0;
      left = size;
      ++generation;
      changed.notify_all();
    } else {
      changed.wait(lock, [&] { return aborted || generation != mine; });
      GYRE_CHECK(generation != mine, ParallelError, "sim collective: aborted (a peer failed)");
    }
    const int total = contributors;
    if (!mean || total > 0) std::copy(result.begin(), result.end(), entry.data);
    if (--left == 0) changed.notify_all();
    return total;
  }
};

std::vector<std::unique_ptr<SimCommunicator>> SimCommunicator::create_group(
    const std::vector<Device>& devices) {
  std::set<int> seen;
  for (const Device device : devices) {
    GYRE_CHECK(device.is_sim(), DeviceError, "sim communicator group: ", device,
               " is not a sim device");
    check_device(device);
    GYRE_CHECK(seen.insert(device.index).second, InvalidArgumentError,
               "sim communicator group: ", device, " appears twice; one rank per device, as NCCL");
  }
  auto group = std::make_shared<Group>(static_cast<int>(devices.size()));
  std::vector<std::unique_ptr<SimCommunicator>> members;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    members.push_back(std::unique_ptr<SimCommunicator>(
        new SimCommunicator(group, static_cast<int>(i), devices[i])));
  }
  return members;
}

SimCommunicator::SimCommunicator(std::shared_ptr<Group> group, int rank, Device device)
    : group_(std::move(group)), rank_(rank), device_(device) {
  contributors_ = static_cast<float*>(accelerator(device).malloc_pinned(sizeof(float)));
}

SimCommunicator::~SimCommunicator() {
  accelerator(device_).free_pinned(contributors_);
}

int SimCommunicator::size() const {
  return group_->size;
}

int SimCommunicator::collective(const Tensor& buffer, bool contributes, bool mean) {
  check_collective_buffer(buffer, "sim");
  GYRE_CHECK(buffer.device() == device_, DeviceError, "sim communicator rank ", rank_, " is on ",
             device_, " but the buffer is on ", buffer.device());
  const Stream stream = Stream::current(device_);
  Group::Entry entry{static_cast<float*>(buffer.device_ptr()),
                     static_cast<std::size_t>(buffer.numel()), contributes};
  float* count = contributors_;
  std::shared_ptr<Group> group = group_;
  const int rank = rank_;
  sim::SimAccelerator::instance().launch(stream, {entry.data, count}, [=] {
    *count = static_cast<float>(group->meet(rank, entry, mean));
  });
  try {
    stream.synchronize();  // the count, the only host wait
  } catch (const DeviceError& error) {
    throw ParallelError(strcat("sim collective on ", device_, " failed: ", error.what()));
  }
  return static_cast<int>(*count);
}

int SimCommunicator::average(const Tensor& buffer, bool contributes) {
  const int contributors = collective(buffer, contributes, true);
  GYRE_CHECK(contributors > 0, ParallelError,
             "average: no sim device contributed (every rank passed contributes = false)");
  return contributors;
}

void SimCommunicator::all_reduce_sum(const Tensor& buffer) {
  collective(buffer, true, false);
}

void SimCommunicator::abort() noexcept {
  std::lock_guard<std::mutex> lock(group_->mutex);
  group_->aborted = true;
  group_->changed.notify_all();
}

}  // namespace gyre::parallel
