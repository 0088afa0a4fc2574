#include "tests/support/memory_resource_contract.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "runtime/accelerator.h"
#include "runtime/error.h"
#include "runtime/statistics_resource.h"

namespace gyre::testing {
namespace {

// Writes a seeded pattern into the block and reads it back, through a copy for device memory.
void write_and_verify(const MemoryResource& resource, void* pointer, std::size_t bytes,
                      std::uint32_t seed) {
  std::vector<std::uint8_t> pattern(bytes);
  std::mt19937 random(seed);
  for (auto& byte : pattern) byte = static_cast<std::uint8_t>(random());
  std::vector<std::uint8_t> readback(bytes);
  if (resource.kind() == MemoryKind::device) {
    const DeviceGuard on_device(resource.device());
    const Stream stream(resource.device(), nullptr);
    Accelerator& device = accelerator(resource.device());
    device.copy_async(pointer, pattern.data(), bytes, stream);
    device.copy_async(readback.data(), pointer, bytes, stream);
    device.synchronize(stream);
  } else {
    std::memcpy(pointer, pattern.data(), bytes);
    std::memcpy(readback.data(), pointer, bytes);
  }
  REQUIRE(readback == pattern);
}

}  // namespace

void check_memory_resource_contract(MemoryResource& resource) {
  INFO("resource " << resource.name());
  const std::size_t sizes[] = {1, 7, 256, 1000, 4097, 65536, (1u << 20) + 3};
  const std::size_t alignments[] = {8, 64, 256};

  StatisticsResource counted(resource);
  std::vector<std::pair<void*, std::size_t>> live;
  std::uint64_t expected_bytes = 0;
  std::uint32_t seed = 1;
  for (std::size_t alignment : alignments) {
    for (std::size_t bytes : sizes) {
      void* pointer = counted.allocate(bytes, alignment);
      REQUIRE(pointer != nullptr);
      CHECK(reinterpret_cast<std::uintptr_t>(pointer) % alignment == 0);
      write_and_verify(resource, pointer, bytes, seed++);
      live.emplace_back(pointer, bytes);
      expected_bytes += bytes;
    }
  }
  // Every live block still holds its own pattern: no two blocks overlap.
  for (std::size_t i = 0; i < live.size(); ++i) {
    for (std::size_t j = i + 1; j < live.size(); ++j) {
      const auto a = reinterpret_cast<std::uintptr_t>(live[i].first);
      const auto b = reinterpret_cast<std::uintptr_t>(live[j].first);
      CHECK((a + live[i].second <= b || b + live[j].second <= a));
    }
  }

  ResourceStatistics statistics = counted.statistics();
  CHECK(statistics.allocation_count == live.size());
  CHECK(statistics.deallocation_count == 0);
  CHECK(statistics.allocated_bytes == expected_bytes);
  CHECK(statistics.current_bytes == expected_bytes);
  CHECK(statistics.peak_bytes == expected_bytes);
  CHECK(statistics.current_count == live.size());

  for (std::size_t i = 0; i < live.size(); ++i) {
    counted.deallocate(live[i].first, live[i].second, alignments[i / std::size(sizes)]);
  }
  statistics = counted.statistics();
  CHECK(statistics.deallocation_count == live.size());
  CHECK(statistics.freed_bytes == expected_bytes);
  CHECK(statistics.current_bytes == 0);
  CHECK(statistics.current_count == 0);
  CHECK(statistics.peak_bytes == expected_bytes);
  CHECK(statistics.peak_count == live.size());

  // Zero bytes: no memory, no upstream call, nothing counted.
  CHECK(counted.allocate(0) == nullptr);
  CHECK(counted.statistics().allocation_count == live.size());
  counted.deallocate(nullptr, 0);
  CHECK(counted.statistics().deallocation_count == live.size());

  CHECK_THROWS_AS(counted.allocate(64, 48), InvalidArgumentError);
  CHECK_THROWS_WITH(counted.allocate(64, 48), Catch::Matchers::Contains("alignment 48"));
}

}  // namespace gyre::testing
