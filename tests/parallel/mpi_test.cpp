// Run by CTest as `mpirun -np 2`: two processes with one worker each must train exactly as
// two worker threads in one process do, and end with identical parameters.
#include <mpi.h>

#include <catch2/catch.hpp>

#include "nn/in_memory_iterator.h"
#include "parallel/mpi_communicator.h"
#include "parallel/parallel_wrapper.h"
#include "tests/parallel/communicator_contract.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::nn;
using namespace gyre::parallel;

namespace {
NetworkConfig network(const char* updater) {
  UpdaterConfig config;
  config.type = updater;
  config.learning_rate = std::string(updater) == "sgd" ? 0.1f : 0.01f;
  return NetworkBuilder().input({6}).dense(5, "tanh").output(3).updater(config).seed(9).build();
}
}  // namespace

TEST_CASE("MPI keeps the communicator contract", "[parallel][mpi]") {
  MpiCommunicator mpi;
  REQUIRE(mpi.size() == 2);
  testing::check_communicator_contract(mpi);  // throws on a broken promise
  SUCCEED("rank " << mpi.rank() << " of " << mpi.size());
}

TEST_CASE("processes under mpirun train as threads in one process do", "[parallel][mpi]") {
  MpiCommunicator mpi;
  REQUIRE(mpi.size() == 2);
  const Tensor features = testing::random_tensor({44, 6}, 11);
  Tensor labels = Tensor::empty_detached({44, 3});
  for (int r = 0; r < 44; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c ? 1.0f : 0.0f;
  }
  for (const char* updater : {"sgd", "adam"}) {
    INFO("updater " << updater << ", rank " << mpi.rank());
    Network distributed(network(updater));
    InMemoryIterator batches(features, labels, 4, true, 5);  // 11 batches: a short last round
    ParallelWrapper::Builder(distributed)
        .workers(1)
        .across_processes(&mpi)
        .build()
        ->fit(batches, 3);

    Network threaded(network(updater));
    InMemoryIterator same(features, labels, 4, true, 5);
    ParallelWrapper::Builder(threaded).workers(2).build()->fit(same, 3);
    // Compare first, assert after the collectives below: a rank that stopped early would
    // leave the other waiting in MPI.
    const bool same_as_threaded =
        testing::values_of(distributed.parameters()) == testing::values_of(threaded.parameters());

    // Both processes hold the same bits: the element-wise max and min over ranks agree.
    const auto count = static_cast<int>(distributed.parameter_count());
    std::vector<float> largest(static_cast<std::size_t>(count)), smallest(largest.size());
    MPI_Allreduce(distributed.parameters().data<float>(), largest.data(), count, MPI_FLOAT, MPI_MAX,
                  MPI_COMM_WORLD);
    MPI_Allreduce(distributed.parameters().data<float>(), smallest.data(), count, MPI_FLOAT,
                  MPI_MIN, MPI_COMM_WORLD);
    CHECK(same_as_threaded);
    CHECK(largest == smallest);
  }
}
