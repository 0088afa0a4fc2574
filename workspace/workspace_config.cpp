#include "workspace/workspace_config.h"

#include <algorithm>
#include <cmath>

#include "runtime/error.h"
#include "runtime/memory_resource.h"

namespace gyre {

const char* name_of(LearningPolicy policy) {
  switch (policy) {
    case LearningPolicy::NONE:
      return "NONE";
    case LearningPolicy::FIRST_LOOP:
      return "FIRST_LOOP";
    case LearningPolicy::OVER_TIME:
      return "OVER_TIME";
  }
  return "?";
}
const char* name_of(AllocationPolicy policy) {
  return policy == AllocationPolicy::STRICT ? "STRICT" : "OVERALLOCATE";
}
const char* name_of(SpillPolicy policy) {
  switch (policy) {
    case SpillPolicy::EXTERNAL:
      return "EXTERNAL";
    case SpillPolicy::REALLOCATE:
      return "REALLOCATE";
    case SpillPolicy::FAIL:
      return "FAIL";
  }
  return "?";
}
const char* name_of(ResetPolicy policy) {
  return policy == ResetPolicy::AT_SCOPE_EXIT ? "AT_SCOPE_EXIT" : "CYCLIC";
}
const char* name_of(MirroringPolicy policy) {
  switch (policy) {
    case MirroringPolicy::DEVICE_ONLY:
      return "DEVICE_ONLY";
    case MirroringPolicy::DEVICE_AND_PINNED_HOST:
      return "DEVICE_AND_PINNED_HOST";
    case MirroringPolicy::HOST_ONLY:
      return "HOST_ONLY";
  }
  return "?";
}
const char* name_of(LocationPolicy policy) {
  return policy == LocationPolicy::RAM ? "RAM" : "MMAP";
}

void WorkspaceConfig::validate(const std::string& id, Device device) const {
  const std::string where = strcat("workspace '", id, "' (", device, "): ");
  GYRE_CHECK(alignment != 0 && (alignment & (alignment - 1)) == 0, WorkspaceError, where,
             "alignment ", alignment, " is not a power of two");
  GYRE_CHECK(alignment >= kDefaultAlignment, WorkspaceError, where, "alignment ", alignment,
             " is below ", kDefaultAlignment,
             ", the alignment every tensor is given (CUDA's allocation granule, which vectorized "
             "kernels assume); use ",
             kDefaultAlignment, " or a larger power of two");
  GYRE_CHECK(max_size == 0 || initial_size <= max_size, WorkspaceError, where, "initial_size ",
             initial_size, " exceeds max_size ", max_size,
             "; raise max_size or lower initial_size");
  GYRE_CHECK(max_size == 0 || min_size <= max_size, WorkspaceError, where, "min_size ", min_size,
             " exceeds max_size ", max_size);
  GYRE_CHECK(std::isfinite(overallocation) && overallocation >= 0.0, WorkspaceError, where,
             "overallocation ", overallocation, " must be a finite number >= 0");
  GYRE_CHECK(cycles_before_resize >= 1, WorkspaceError, where, "cycles_before_resize ",
             cycles_before_resize,
             " must be >= 1 (with 0, ND4J's OVER_TIME silently never sized the arena)");
  if (location == LocationPolicy::MMAP) {
    GYRE_CHECK(device.is_cpu(), WorkspaceError, where,
               "location MMAP is for CPU workspaces only; use RAM on ", device);
    GYRE_CHECK(learning == LearningPolicy::NONE, WorkspaceError, where,
               "location MMAP requires learning NONE (the file has a fixed size), not ",
               name_of(learning));
    GYRE_CHECK(initial_size > 0, WorkspaceError, where,
               "location MMAP needs initial_size > 0: the size of the mapped file");
    GYRE_CHECK(reset == ResetPolicy::AT_SCOPE_EXIT, WorkspaceError, where,
               "location MMAP supports reset AT_SCOPE_EXIT only");
  }
  GYRE_CHECK(reset != ResetPolicy::CYCLIC || mirroring != MirroringPolicy::DEVICE_AND_PINNED_HOST,
             WorkspaceError, where,
             "a CYCLIC workspace is one ring of one memory kind; use two workspaces (a HOST_ONLY "
             "pinned ring and a DEVICE_ONLY ring) instead of DEVICE_AND_PINNED_HOST");
  if (device.is_cpu()) {
    GYRE_CHECK(mirroring != MirroringPolicy::DEVICE_AND_PINNED_HOST, WorkspaceError, where,
               "mirroring DEVICE_AND_PINNED_HOST needs an accelerator (cuda or sim); a CPU "
               "workspace has one "
               "host arena (use DEVICE_ONLY)");
  }
}

std::size_t WorkspaceConfig::learned_size(std::size_t demand) const {
  double size = static_cast<double>(demand);
  if (allocation == AllocationPolicy::OVERALLOCATE) size *= 1.0 + overallocation;
  std::size_t bytes = static_cast<std::size_t>(std::ceil(size));
  bytes = std::max(bytes, min_size);
  bytes = (bytes + alignment - 1) / alignment * alignment;
  if (max_size != 0 && bytes > max_size) bytes = max_size / alignment * alignment;
  return bytes;
}

}  // namespace gyre
