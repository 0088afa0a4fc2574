#pragma once
// NcclCommunicator: one participant per GPU (NCCL from the CUDA toolkit). The collective
// runs on the buffer device's current stream: the host does not wait for it.
//
// average() cannot use ncclAvg alone: a short round averages only the replicas that
// trained. Each rank stages its buffer (or zeros) plus its contributor flag in one device
// buffer, the ranks ncclSum it, and a kernel divides by the summed flag.
#include <memory>
#include <vector>

#include "parallel/communicator.h"

namespace gyre::parallel {

class MpiCommunicator;

class NcclCommunicator final : public DeviceCommunicator {
 public:
  /// One communicator per device of this process (ncclCommInitAll): member i on
  /// devices[i]. Devices must be distinct (NCCL puts one rank on a GPU).
  static std::vector<std::unique_ptr<NcclCommunicator>> create_group(
      const std::vector<Device>& devices);
  /// This process's rank of a job of one GPU per MPI process: rank 0 makes the NCCL id and
  /// MPI broadcasts it.
  static std::unique_ptr<NcclCommunicator> create_across(MpiCommunicator& mpi, Device device);
  /// Whether this build has NCCL (the CUDA variant).
  static bool available();

  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "nccl"; }
  Device device() const { return device_; }
  int average(const Tensor& buffer, bool contributes = true) override;
  void all_reduce_sum(const Tensor& buffer) override;
  /// Ends every collective in flight on this communicator (ncclCommAbort): for a failed
  /// peer, so that no stream waits forever. The communicator is unusable afterwards.
  void abort() noexcept override;

 private:
  // The communicators made together (one, or one per GPU of a group): they are finalized
  // together, in one NCCL group call, when the last of them is destroyed. Finalizing or
  // destroying the ranks of a clique one after another from one thread would wait forever
  // for the ranks not yet reached.
  struct Clique;
  NcclCommunicator(std::shared_ptr<Clique> clique, void* comm, int rank, int size, Device device);
  std::shared_ptr<Clique> clique_;
  // [[maybe_unused]]: the CPU build's stub never touches them.
  [[maybe_unused]] void* comm_;  // ncclComm_t, owned by the clique
  int rank_, size_;
  Device device_;
  [[maybe_unused]] float* stage_ = nullptr;  // device memory: count + 1 floats, grown as needed
  [[maybe_unused]] std::size_t stage_floats_ = 0;
  [[maybe_unused]] float* flag_ = nullptr;  // pinned: this rank's flag, then the total
};

}  // namespace gyre::parallel
