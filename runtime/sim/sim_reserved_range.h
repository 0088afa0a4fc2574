#pragma once
// Stable-address ranges of the simulated devices: host pages reserved and committed like
// HostRange's, registered with SimMemory as the device's memory, with CUDA's rules for
// mapping (not while the thread captures a graph) and unmapping (after the device's work).
#include <memory>

#include "runtime/reserved_range.h"
#include "runtime/sim/sim_memory.h"

namespace gyre::sim {

/// `capacity` bytes of addresses for memory of sim:`device`.
std::unique_ptr<ReservedRange> reserve_sim_range(int device, std::size_t capacity);

}  // namespace gyre::sim
