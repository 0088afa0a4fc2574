#pragma once
// SimCommunicator: the simulated devices' NCCL. One rank per sim device; each collective is
// an operation on the buffer device's current stream that meets the other ranks' operations
// on their streams (as an NCCL kernel waits for its peers), averages or sums the device
// buffers, and lets every rank go on. The host does not wait, except to learn how many
// ranks contributed, as NcclCommunicator does. abort() ends collectives in flight: every
// rank waiting in one fails instead of waiting forever.
#include <memory>
#include <vector>

#include "parallel/communicator.h"

namespace gyre::parallel {

class SimCommunicator final : public DeviceCommunicator {
 public:
  /// One communicator per device (distinct sim devices): member i on devices[i].
  static std::vector<std::unique_ptr<SimCommunicator>> create_group(
      const std::vector<Device>& devices);

  ~SimCommunicator() override;
  int rank() const override { return rank_; }
  int size() const override;
  std::string backend() const override { return "sim"; }
  Device device() const { return device_; }
  int average(const Tensor& buffer, bool contributes = true) override;
  void all_reduce_sum(const Tensor& buffer) override;
  void abort() noexcept override;

  struct Group;

 private:
  SimCommunicator(std::shared_ptr<Group> group, int rank, Device device);
  int collective(const Tensor& buffer, bool contributes, bool mean);

  std::shared_ptr<Group> group_;
  int rank_;
  Device device_;
  float* contributors_ = nullptr;  // pinned: the count the collective leaves for the host
};

}  // namespace gyre::parallel
