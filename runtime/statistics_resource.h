#pragma once
// An adaptor that counts what passes through it to its upstream resource.
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "runtime/memory_resource.h"

namespace gyre {

/// Counters in PyTorch's memory_stats vocabulary where the meaning is the same.
struct ResourceStatistics {
  std::uint64_t allocation_count = 0;    // calls to allocate() that returned memory
  std::uint64_t deallocation_count = 0;  // calls to deallocate() with memory
  std::uint64_t allocated_bytes = 0;     // total bytes ever allocated
  std::uint64_t freed_bytes = 0;         // total bytes ever freed
  std::uint64_t current_bytes = 0;
  std::uint64_t peak_bytes = 0;
  std::uint64_t current_count = 0;  // live allocations
  std::uint64_t peak_count = 0;
};

class StatisticsResource final : public AdaptorResource {
 public:
  explicit StatisticsResource(MemoryResource& upstream) : AdaptorResource(upstream) {}

  ResourceStatistics statistics() const;
  /// Zeroes the totals and sets the peaks to the current values.
  void reset_peaks_and_totals();

  std::string name() const override;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) override;
  void do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                     Stream stream) noexcept override;

  mutable std::mutex mutex_;
  ResourceStatistics statistics_;
};

}  // namespace gyre
