// In a build without MPI, the MPI communicator is a clear error, not a missing symbol.
#include <catch2/catch.hpp>

#include "parallel/mpi_communicator.h"
#include "runtime/error.h"

using namespace gyre;
using Catch::Matchers::Contains;

TEST_CASE("without MPI in the build, MpiCommunicator says what is missing", "[parallel][mpi]") {
  CHECK_THROWS_AS(parallel::MpiCommunicator(), NotAvailableError);
  CHECK_THROWS_WITH(parallel::MpiCommunicator(),
                    Contains("libopenmpi-dev") && Contains("GYRE_MPI"));
}
