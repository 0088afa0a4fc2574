#pragma once
// Where the replicas of ParallelWrapper and ParallelInference live: one per device of the
// model's kind, round robin from the model's own device (cuda and sim alike); on the CPU,
// every replica shares cpu:0.
#include <algorithm>
#include <vector>

#include "runtime/device.h"

namespace gyre {

/// The device of each of `count` replicas (0: one per device of `home`'s kind).
inline std::vector<Device> replica_devices(Device home, int count) {
  const int devices = home.is_accelerator() ? std::max(device_count(home.type), 1) : 1;
  if (count <= 0) count = devices;
  std::vector<Device> result;
  for (int i = 0; i < count; ++i)
    result.push_back(home.is_accelerator() ? Device{home.type, (home.index + i) % devices} : home);
  return result;
}

}  // namespace gyre
