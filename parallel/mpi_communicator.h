#pragma once
// MpiCommunicator: one participant per process (Open MPI from Debian), for training across
// processes and nodes (`mpirun -np P gyre train --distributed mpi`). Device buffers are
// staged through pinned host memory (Debian's Open MPI is not CUDA-aware).
#include <memory>
#include <vector>

#include "parallel/communicator.h"

namespace gyre::parallel {

class MpiCommunicator final : public Communicator {
 public:
  /// Joins MPI_COMM_WORLD, initializing MPI (thread level SERIALIZED: a worker thread
  /// calls it, one at a time) on first use; MPI is finalized at process exit.
  MpiCommunicator();
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }
  int average(const Tensor& buffer, bool contributes = true) override;
  void all_reduce_sum(const Tensor& buffer) override;

  /// True when this process was started by mpirun (or another MPI launcher).
  static bool launched_by_mpi();

 private:
  float* stage(const Tensor& buffer, std::size_t floats);

  int rank_ = 0, size_ = 1;
  std::vector<float> host_stage_;
  float* pinned_stage_ = nullptr;  // for device buffers: pinned host memory, kept and grown
  std::size_t pinned_floats_ = 0;
  DeviceType pinned_type_ = DeviceType::cuda;  // the accelerator whose pinned memory it is
};

}  // namespace gyre::parallel
