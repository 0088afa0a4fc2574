// MpiCommunicator in a build without MPI (GYRE_MPI=OFF, or AUTO without Open MPI): a clear
// error for any use, and the launcher check still works, so that `mpirun gyre train`
// says what is missing instead of training alone.
#include "parallel/mpi_communicator.h"

#include <cstdlib>

#include "runtime/error.h"

namespace gyre::parallel {

bool MpiCommunicator::launched_by_mpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

MpiCommunicator::MpiCommunicator() {
  throw NotAvailableError(
      "MPI is not available in this build of Gyre: install Open MPI (Debian's "
      "libopenmpi-dev) and configure with -DGYRE_MPI=ON (or AUTO)");
}

MpiCommunicator::~MpiCommunicator() = default;

int MpiCommunicator::average(const Tensor&, bool) {
  throw NotAvailableError("MPI is not available in this build of Gyre");
}

void MpiCommunicator::all_reduce_sum(const Tensor&) {
  throw NotAvailableError("MPI is not available in this build of Gyre");
}

float* MpiCommunicator::stage(const Tensor&, std::size_t) {
  return nullptr;
}

}  // namespace gyre::parallel
