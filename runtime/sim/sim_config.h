#pragma once
// The simulated devices' settings, read once from the environment:
//   GYRE_SIM_DEVICES  how many sim devices exist (sim:0..N-1); 0 when unset
//   GYRE_SIM_MEMORY   each device's capacity in bytes (suffix K, M or G); 2G when unset
//   GYRE_SIM_DELAY    chaos seed: seeded random delays before stream operations; off when unset
// A malformed value is a DeviceError naming the variable and the text.
#include <cstddef>
#include <cstdint>

namespace gyre::sim {

struct SimConfig {
  int devices = 0;
  std::size_t memory_per_device = std::size_t{2} << 30;
  std::uint64_t chaos_seed = 0;  // 0: chaos off
};

const SimConfig& config();

}  // namespace gyre::sim
