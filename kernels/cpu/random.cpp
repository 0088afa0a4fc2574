// Dropout and random fills on the CPU, drawing from the same Philox streams as CUDA.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/philox.h"

namespace gyre::kernels {
namespace {

constexpr int kLanes = 8;

// Philox blocks first_block .. first_block + 7 at once, lane by lane, so that the compiler
// vectorizes the rounds (the same arithmetic as philox::generate, element for element).
void generate_lanes(std::uint64_t seed, std::uint64_t first_block,
                    std::uint32_t (&words)[4][kLanes]) {
  std::uint32_t c0[kLanes], c1[kLanes], c2[kLanes], c3[kLanes];
  for (int lane = 0; lane < kLanes; ++lane) {
    const std::uint64_t counter = first_block + static_cast<std::uint64_t>(lane);
    c0[lane] = static_cast<std::uint32_t>(counter);
    c1[lane] = static_cast<std::uint32_t>(counter >> 32);
    c2[lane] = 0;
    c3[lane] = 0;
  }
  std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    for (int lane = 0; lane < kLanes; ++lane) {
      const std::uint64_t p0 = static_cast<std::uint64_t>(0xD2511F53u) * c0[lane];
      const std::uint64_t p1 = static_cast<std::uint64_t>(0xCD9E8D57u) * c2[lane];
      const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1[lane] ^ k0;
      const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3[lane] ^ k1;
      c1[lane] = static_cast<std::uint32_t>(p1);
      c3[lane] = static_cast<std::uint32_t>(p0);
      c0[lane] = n0;
      c2[lane] = n2;
    }
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  for (int lane = 0; lane < kLanes; ++lane) {
    words[0][lane] = c0[lane];
    words[1][lane] = c1[lane];
    words[2][lane] = c2[lane];
    words[3][lane] = c3[lane];
  }
}

}  // namespace

void CpuBackend::dropout(const float* x, float* y, std::int64_t count, float p, std::uint64_t seed,
                         std::uint64_t offset, const std::int64_t* iteration, Stream) {
  if (iteration != nullptr)
    seed = philox::iteration_key(seed, static_cast<std::uint64_t>(*iteration));
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  std::int64_t i = 0;
  // Element offset + i draws word (offset + i) % 4 of block (offset + i) / 4: one Philox
  // block serves four elements once the index is block-aligned.
  for (; i < count && (offset + static_cast<std::uint64_t>(i)) % 4 != 0; ++i) {
    y[i] = philox::uniform(seed, offset + static_cast<std::uint64_t>(i)) >= p ? x[i] * scale : 0.0f;
  }
  // uniform >= p  <=>  (word >> 8) >= ceil(p · 2^24): an integer compare, exact and branch-free.
  const auto threshold = static_cast<std::uint32_t>(std::ceil(static_cast<double>(p) * 16777216.0));
  for (; i + 4 * kLanes <= count; i += 4 * kLanes) {
    std::uint32_t words[4][kLanes];
    generate_lanes(seed, (offset + static_cast<std::uint64_t>(i)) / 4, words);
    std::uint32_t bits[4 * kLanes];  // in element order: element 4·lane + word
    for (int lane = 0; lane < kLanes; ++lane) {
      for (int word = 0; word < 4; ++word) bits[4 * lane + word] = words[word][lane];
    }
    for (int k = 0; k < 4 * kLanes; ++k) {
      y[i + k] = (bits[k] >> 8) >= threshold ? x[i + k] * scale : 0.0f;
    }
  }
  for (; i < count; ++i) {
    y[i] = philox::uniform(seed, offset + static_cast<std::uint64_t>(i)) >= p ? x[i] * scale : 0.0f;
  }
}

void CpuBackend::fill_random(Distribution distribution, float* y, std::int64_t count, float a,
                             float b, std::uint64_t seed, Stream) {
  if (distribution == Distribution::normal) {
    for (std::int64_t i = 0; i < count; ++i)
      y[i] = a + b * philox::normal(seed, static_cast<std::uint64_t>(i));
    return;
  }
  std::int64_t i = 0;
  for (; i + 4 <= count; i += 4) {  // one Philox block per four elements, as uniform() draws them
    const philox::Block block = philox::generate(seed, static_cast<std::uint64_t>(i) / 4);
    for (int lane = 0; lane < 4; ++lane)
      y[i + lane] = a + (b - a) * philox::to_unit_float(block.word[lane]);
  }
  for (; i < count; ++i) y[i] = a + (b - a) * philox::uniform(seed, static_cast<std::uint64_t>(i));
}

}  // namespace gyre::kernels
