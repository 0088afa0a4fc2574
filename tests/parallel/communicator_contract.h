#pragma once
// The body every Communicator backend must pass: members with rank r hold r + i·0.5 in
// element i; average and sum must give the exact results (small integers and halves are
// exact in float), a non-contributor gets the contributors' mean, and "nobody contributed"
// is an error. Each participant runs it on its own thread or process, with its buffer on
// `device` (host memory for threads and MPI, its GPU for NCCL).
#include "parallel/communicator.h"

namespace gyre::testing {

void check_communicator_contract(parallel::Communicator& communicator,
                                 Device device = Device::cpu());

}  // namespace gyre::testing
