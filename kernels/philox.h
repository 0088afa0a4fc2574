#pragma once
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a
// counter-based generator, so element i's random number depends only on (seed, i). The CPU
// and CUDA kernels share this code and therefore draw the same numbers (the same dropout
// mask, the same initial weights) for the same seed.
#include <cmath>
#include <cstdint>

#include "kernels/host_device.h"

namespace gyre::kernels::philox {

struct Block {
  std::uint32_t word[4];
};

GYRE_HOST_DEVICE void multiply(std::uint32_t a, std::uint32_t b, std::uint32_t& high,
                               std::uint32_t& low) {
  const std::uint64_t product = static_cast<std::uint64_t>(a) * b;
  high = static_cast<std::uint32_t>(product >> 32);
  low = static_cast<std::uint32_t>(product);
}

/// The four 32-bit random words of counter block `counter` under key `seed`.
GYRE_HOST_DEVICE Block generate(std::uint64_t seed, std::uint64_t counter) {
  std::uint32_t c0 = static_cast<std::uint32_t>(counter),
                c1 = static_cast<std::uint32_t>(counter >> 32);
  std::uint32_t c2 = 0, c3 = 0;
  std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    std::uint32_t high0, low0, high1, low1;
    multiply(0xD2511F53u, c0, high0, low0);
    multiply(0xCD9E8D57u, c2, high1, low1);
    const std::uint32_t n0 = high1 ^ c1 ^ k0, n1 = low1, n2 = high0 ^ c3 ^ k1, n3 = low0;
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return Block{{c0, c1, c2, c3}};
}

/// The key of iteration `iteration` under `key`: splitmix-style mixing, so that each
/// training iteration draws its own stream (dropout). On the host or in a kernel that reads
/// the iteration from device memory, so a replayed CUDA graph draws a new mask each time.
GYRE_HOST_DEVICE std::uint64_t iteration_key(std::uint64_t key, std::uint64_t iteration) {
  key ^= 0xBF58476D1CE4E5B9ull * (iteration + 1);
  return key ^ (key >> 31);
}

/// The 32-bit random word of element `index` (four elements share one counter block).
GYRE_HOST_DEVICE std::uint32_t word(std::uint64_t seed, std::uint64_t index) {
  return generate(seed, index >> 2).word[index & 3];
}

/// A uniform float in [0, 1) from a 32-bit word (24 bits of mantissa, exact in float).
GYRE_HOST_DEVICE float to_unit_float(std::uint32_t bits) {
  return static_cast<float>(bits >> 8) * (1.0f / 16777216.0f);
}

/// Element `index`'s uniform float in [0, 1).
GYRE_HOST_DEVICE float uniform(std::uint64_t seed, std::uint64_t index) {
  return to_unit_float(word(seed, index));
}

}  // namespace gyre::kernels::philox

namespace gyre::kernels::philox {

/// Element `index`'s standard normal number (Box-Muller on the first two words of its own
/// counter block).
GYRE_HOST_DEVICE float normal(std::uint64_t seed, std::uint64_t index) {
  const Block block = generate(seed, index);
  const float u1 =
      (static_cast<float>(block.word[0] >> 8) + 1.0f) * (1.0f / 16777216.0f);  // (0, 1]
  const float u2 = to_unit_float(block.word[1]);
  return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853071795864f * u2);
}

}  // namespace gyre::kernels::philox
