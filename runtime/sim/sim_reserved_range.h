#pragma once
// Stable-address ranges of the simulated devices: host pages reserved and committed like
// HostRange's, registered with SimMemory as device or pinned memory, with CUDA's rules for
// mapping (not while the thread captures a graph) and unmapping (after the device's work).
#include <memory>

#include "runtime/reserved_range.h"
#include "runtime/sim/sim_memory.h"

namespace gyre::sim {

std::unique_ptr<ReservedRange> reserve_sim_range(Region region, std::size_t capacity);

}  // namespace gyre::sim
