#pragma once
// Communicator: averages (and all-reduces) one flat buffer across the participants of a
// data-parallel job. Backends: ThreadGroup members (worker threads of one process, shared
// memory), MpiCommunicator (processes and nodes) and NcclCommunicator (GPUs).
#include <cstdint>
#include <string>

#include "runtime/error.h"
#include "runtime/tensor.h"

namespace gyre::parallel {

/// A collective failed or was aborted because another participant failed.
class ParallelError : public Error {
 public:
  using Error::Error;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  /// This participant's index, 0 ≤ rank < size.
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// "threads", "mpi" or "nccl".
  virtual std::string backend() const = 0;

  /// Every participant calls this with a buffer of the same element count. Afterwards each
  /// buffer holds the element-wise mean of the buffers of the participants that
  /// `contribute`d (a participant that did not train since the last average passes false);
  /// returns how many did. Throws ParallelError if none did, or if another participant
  /// failed (after abort()).
  virtual int average(const Tensor& buffer, bool contributes = true) = 0;

  /// Every participant calls this: afterwards each buffer holds the element-wise sum.
  virtual void all_reduce_sum(const Tensor& buffer) = 0;
};

/// A communicator whose collectives run in device stream order (NCCL on GPUs, its twin on
/// the simulated devices): abort() ends the collectives in flight, so that no stream waits
/// forever for a failed peer; the communicator is unusable afterwards.
class DeviceCommunicator : public Communicator {
 public:
  virtual void abort() noexcept = 0;
};

/// Checks a buffer handed to a collective: contiguous f32 (the flat parameter buffers).
void check_collective_buffer(const Tensor& buffer, const char* backend);

}  // namespace gyre::parallel
