#include "parallel/mpi_communicator.h"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "runtime/accelerator.h"
#include "runtime/stream.h"

namespace gyre::parallel {
namespace {

void check_mpi(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw ParallelError(
      strcat("MPI: ", what, " failed: ", std::string(text, static_cast<std::size_t>(length))));
}

// MPI is initialized once per process and finalized at exit (after every communicator).
void ensure_initialized() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) return;
  int provided = 0;
  check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  GYRE_CHECK(provided >= MPI_THREAD_SERIALIZED, ParallelError, "MPI provides thread level ",
             provided, " but Gyre calls it from a worker thread and needs MPI_THREAD_SERIALIZED");
  std::atexit([] {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  });
}

}  // namespace

bool MpiCommunicator::launched_by_mpi() {
  // Open MPI's launcher sets these (and PMIx-based launchers the second).
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

MpiCommunicator::MpiCommunicator() {
  ensure_initialized();
  check_mpi(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

MpiCommunicator::~MpiCommunicator() {
  if (pinned_stage_ != nullptr) accelerator(pinned_type_).free_pinned(pinned_stage_);
}

float* MpiCommunicator::stage(const Tensor& buffer, std::size_t floats) {
  if (buffer.device().is_cpu()) {
    if (host_stage_.size() < floats) host_stage_.resize(floats);
    return host_stage_.data();
  }
  if (pinned_floats_ < floats || pinned_type_ != buffer.device().type) {
    if (pinned_stage_ != nullptr) accelerator(pinned_type_).free_pinned(pinned_stage_);
    pinned_stage_ = nullptr;
    pinned_floats_ = 0;
    pinned_type_ = buffer.device().type;
    pinned_stage_ =
        static_cast<float*>(accelerator(pinned_type_).malloc_pinned(floats * sizeof(float)));
    pinned_floats_ = floats;
  }
  return pinned_stage_;
}

int MpiCommunicator::average(const Tensor& buffer, bool contributes) {
  check_collective_buffer(buffer, "mpi");
  const auto count = static_cast<std::size_t>(buffer.numel());
  float* staged = stage(buffer, count + 1);
  const Stream stream = Stream::current(buffer.device());
  // The buffer (or zeros), then this process's contributor count: one all-reduce for both.
  if (!contributes)
    std::fill(staged, staged + count, 0.0f);
  else if (buffer.device().is_cpu())
    std::memcpy(staged, buffer.device_ptr(), count * sizeof(float));
  else
    accelerator(buffer.device())
        .copy_async(staged, buffer.device_ptr(), count * sizeof(float), stream);
  stream.synchronize();
  staged[count] = contributes ? 1.0f : 0.0f;
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, staged, static_cast<int>(count + 1), MPI_FLOAT, MPI_SUM,
                          MPI_COMM_WORLD),
            "MPI_Allreduce (average)");
  const float total = staged[count];
  GYRE_CHECK(total > 0.0f, ParallelError,
             "average: no process contributed (every rank passed contributes = false)");
  for (std::size_t i = 0; i < count; ++i) staged[i] /= total;
  if (buffer.device().is_cpu()) {
    std::memcpy(buffer.device_ptr(), staged, count * sizeof(float));
  } else {
    accelerator(buffer.device())
        .copy_async(buffer.device_ptr(), staged, count * sizeof(float), stream);
    stream.synchronize();  // the stage is reused by the next call
  }
  return static_cast<int>(total);
}

void MpiCommunicator::all_reduce_sum(const Tensor& buffer) {
  check_collective_buffer(buffer, "mpi");
  const auto count = static_cast<std::size_t>(buffer.numel());
  if (buffer.device().is_cpu()) {
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, buffer.device_ptr(), static_cast<int>(count), MPI_FLOAT,
                            MPI_SUM, MPI_COMM_WORLD),
              "MPI_Allreduce (sum)");
    return;
  }
  float* staged = stage(buffer, count);
  const Stream stream = Stream::current(buffer.device());
  accelerator(buffer.device())
      .copy_async(staged, buffer.device_ptr(), count * sizeof(float), stream);
  stream.synchronize();
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, staged, static_cast<int>(count), MPI_FLOAT, MPI_SUM,
                          MPI_COMM_WORLD),
            "MPI_Allreduce (sum)");
  accelerator(buffer.device())
      .copy_async(buffer.device_ptr(), staged, count * sizeof(float), stream);
  stream.synchronize();
}

}  // namespace gyre::parallel
