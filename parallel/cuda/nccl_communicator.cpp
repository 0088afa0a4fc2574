#include "parallel/nccl_communicator.h"

#include <cuda_runtime.h>
#include <mpi.h>
#include <nccl.h>

#include <mutex>

#include "parallel/cuda/divide_by_count.h"
#include "parallel/mpi_communicator.h"
#include "runtime/cuda_backend.h"
#include "runtime/stream.h"

namespace gyre::parallel {
namespace {

void check_nccl(ncclResult_t result, const char* what) {
  if (result == ncclSuccess) return;
  throw ParallelError(strcat("NCCL: ", what, " failed: ", ncclGetErrorString(result)));
}

ncclComm_t as_comm(void* comm) {
  return static_cast<ncclComm_t>(comm);
}

}  // namespace

struct NcclCommunicator::Clique {
  std::mutex mutex;
  std::vector<ncclComm_t> comms;  // null once aborted (ncclCommAbort freed it)

  ~Clique() {
    // One group call finalizes every rank (each flushes its work and waits for the others),
    // then each is destroyed locally without blocking.
    ncclGroupStart();
    for (ncclComm_t comm : comms) {
      if (comm != nullptr) ncclCommFinalize(comm);
    }
    ncclGroupEnd();
    for (ncclComm_t comm : comms) {
      if (comm != nullptr) ncclCommDestroy(comm);
    }
  }

  void abort(ncclComm_t comm) noexcept {
    std::lock_guard<std::mutex> lock(mutex);
    for (ncclComm_t& member : comms) {
      if (member != comm) continue;
      ncclCommAbort(comm);
      member = nullptr;
    }
  }
};

bool NcclCommunicator::available() {
  return true;
}

NcclCommunicator::NcclCommunicator(std::shared_ptr<Clique> clique, void* comm, int rank, int size,
                                   Device device)
    : clique_(std::move(clique)), comm_(comm), rank_(rank), size_(size), device_(device) {
  flag_ = static_cast<float*>(cuda_backend::malloc_pinned(sizeof(float)));
}

NcclCommunicator::~NcclCommunicator() {
  // The communicator itself goes with the clique, when its last member does.
  if (stage_ != nullptr) cuda_backend::free_device(stage_, device_.index);
  if (flag_ != nullptr) cuda_backend::free_pinned(flag_);
}

std::vector<std::unique_ptr<NcclCommunicator>> NcclCommunicator::create_group(
    const std::vector<Device>& devices) {
  GYRE_CHECK(!devices.empty(), InvalidArgumentError, "NCCL group: no devices");
  std::vector<int> indices;
  for (const Device& device : devices) {
    GYRE_CHECK(device.is_cuda(), DeviceError, "NCCL group: ", device, " is not a CUDA device");
    for (int index : indices) {
      GYRE_CHECK(index != device.index, InvalidArgumentError, "NCCL group: ", device,
                 " appears twice; NCCL takes one rank per GPU (use fewer workers or the "
                 "thread group)");
    }
    indices.push_back(device.index);
  }
  std::vector<ncclComm_t> comms(devices.size());
  check_nccl(ncclCommInitAll(comms.data(), static_cast<int>(comms.size()), indices.data()),
             "ncclCommInitAll");
  auto clique = std::make_shared<Clique>();
  clique->comms = comms;
  std::vector<std::unique_ptr<NcclCommunicator>> group;
  for (std::size_t i = 0; i < comms.size(); ++i) {
    group.push_back(std::unique_ptr<NcclCommunicator>(new NcclCommunicator(
        clique, comms[i], static_cast<int>(i), static_cast<int>(comms.size()), devices[i])));
  }
  return group;
}

std::unique_ptr<NcclCommunicator> NcclCommunicator::create_across(MpiCommunicator& mpi,
                                                                  Device device) {
  GYRE_CHECK(device.is_cuda(), DeviceError, "NCCL: ", device, " is not a CUDA device");
  ncclUniqueId id;
  if (mpi.rank() == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  GYRE_CHECK(MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, MPI_COMM_WORLD) == MPI_SUCCESS, ParallelError,
             "NCCL: broadcasting the unique id over MPI failed");
  cuda_backend::set_current_device(device.index);
  ncclComm_t comm = nullptr;
  check_nccl(ncclCommInitRank(&comm, mpi.size(), id, mpi.rank()), "ncclCommInitRank");
  auto clique = std::make_shared<Clique>();
  clique->comms = {comm};
  return std::unique_ptr<NcclCommunicator>(
      new NcclCommunicator(clique, comm, mpi.rank(), mpi.size(), device));
}

int NcclCommunicator::average(const Tensor& buffer, bool contributes) {
  check_collective_buffer(buffer, "nccl");
  GYRE_CHECK(buffer.device() == device_, DeviceError, "NCCL rank ", rank_, " is on ", device_,
             " but the buffer is on ", buffer.device());
  const auto count = static_cast<std::size_t>(buffer.numel());
  cuda_backend::set_current_device(device_.index);
  if (stage_floats_ < count + 1) {
    if (stage_ != nullptr) cuda_backend::free_device(stage_, device_.index);
    stage_ = nullptr;
    stage_ = static_cast<float*>(
        cuda_backend::malloc_device((count + 1) * sizeof(float), device_.index));
    stage_floats_ = count + 1;
  }
  void* stream = Stream::current(device_).handle();
  if (contributes)
    cuda_backend::copy_async(stage_, buffer.device_ptr(), count * sizeof(float), stream);
  else
    cuda_backend::memset_async(stage_, 0, count * sizeof(float), stream);
  Stream::current(device_).synchronize();  // the flag is pageable-safe once the stream is idle
  *flag_ = contributes ? 1.0f : 0.0f;
  cuda_backend::copy_async(stage_ + count, flag_, sizeof(float), stream);
  check_nccl(ncclAllReduce(stage_, stage_, count + 1, ncclFloat, ncclSum, as_comm(comm_),
                           static_cast<cudaStream_t>(stream)),
             "ncclAllReduce (average)");
  divide_by_count(static_cast<float*>(buffer.device_ptr()), stage_,
                  static_cast<std::int64_t>(count), stream);
  // The caller learns how many contributed: one float back (the only host wait).
  cuda_backend::copy_async(flag_, stage_ + count, sizeof(float), stream);
  Stream::current(device_).synchronize();
  const int contributors = static_cast<int>(*flag_);
  GYRE_CHECK(contributors > 0, ParallelError,
             "average: no GPU contributed (every rank passed contributes = false)");
  return contributors;
}

void NcclCommunicator::all_reduce_sum(const Tensor& buffer) {
  check_collective_buffer(buffer, "nccl");
  GYRE_CHECK(buffer.device() == device_, DeviceError, "NCCL rank ", rank_, " is on ", device_,
             " but the buffer is on ", buffer.device());
  cuda_backend::set_current_device(device_.index);
  check_nccl(
      ncclAllReduce(buffer.device_ptr(), buffer.device_ptr(),
                    static_cast<std::size_t>(buffer.numel()), ncclFloat, ncclSum, as_comm(comm_),
                    static_cast<cudaStream_t>(Stream::current(device_).handle())),
      "ncclAllReduce (sum)");
}

void NcclCommunicator::abort() noexcept {
  if (comm_ == nullptr) return;
  clique_->abort(as_comm(comm_));
  comm_ = nullptr;
}

}  // namespace gyre::parallel
