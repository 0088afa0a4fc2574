#include "runtime/statistics_resource.h"

#include <algorithm>

#include "runtime/strcat.h"

namespace gyre {

ResourceStatistics StatisticsResource::statistics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return statistics_;
}

void StatisticsResource::reset_peaks_and_totals() {
  std::lock_guard<std::mutex> lock(mutex_);
  const ResourceStatistics current = statistics_;
  statistics_ = ResourceStatistics{};
  statistics_.current_bytes = statistics_.peak_bytes = current.current_bytes;
  statistics_.current_count = statistics_.peak_count = current.current_count;
}

std::string StatisticsResource::name() const {
  return strcat("statistics(", upstream_.name(), ")");
}

void* StatisticsResource::do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) {
  void* pointer = upstream_.allocate(bytes, alignment, stream);
  std::lock_guard<std::mutex> lock(mutex_);
  statistics_.allocation_count += 1;
  statistics_.allocated_bytes += bytes;
  statistics_.current_bytes += bytes;
  statistics_.current_count += 1;
  statistics_.peak_bytes = std::max(statistics_.peak_bytes, statistics_.current_bytes);
  statistics_.peak_count = std::max(statistics_.peak_count, statistics_.current_count);
  return pointer;
}

void StatisticsResource::do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                                       Stream stream) noexcept {
  upstream_.deallocate(pointer, bytes, alignment, stream);
  std::lock_guard<std::mutex> lock(mutex_);
  statistics_.deallocation_count += 1;
  statistics_.freed_bytes += bytes;
  statistics_.current_bytes -= bytes;
  statistics_.current_count -= 1;
}

}  // namespace gyre
