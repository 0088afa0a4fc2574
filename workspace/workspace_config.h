#pragma once
// WorkspaceConfig: every policy of a workspace (docs/workspaces.md, "Configuration"). A plain
// struct: set the fields, and the workspace validates them when it is created.
#include <cstddef>
#include <string>

#include "runtime/device.h"

namespace gyre {

enum class LearningPolicy { NONE, FIRST_LOOP, OVER_TIME };
enum class AllocationPolicy { STRICT, OVERALLOCATE };
enum class SpillPolicy { EXTERNAL, REALLOCATE, FAIL };
enum class ResetPolicy { AT_SCOPE_EXIT, CYCLIC };
enum class MirroringPolicy { DEVICE_ONLY, DEVICE_AND_PINNED_HOST, HOST_ONLY };
enum class LocationPolicy { RAM, MMAP };

const char* name_of(LearningPolicy policy);
const char* name_of(AllocationPolicy policy);
const char* name_of(SpillPolicy policy);
const char* name_of(ResetPolicy policy);
const char* name_of(MirroringPolicy policy);
const char* name_of(LocationPolicy policy);

struct WorkspaceConfig {
  /// Arena bytes allocated at creation (0: wait for learning).
  std::size_t initial_size = 0;
  /// Hard cap on arena bytes (0: none); growth beyond it spills or fails.
  std::size_t max_size = 0;
  /// Floor for a learned size.
  std::size_t min_size = 0;
  /// Learned size × (1 + overallocation) under AllocationPolicy::OVERALLOCATE.
  double overallocation = 0.3;
  LearningPolicy learning = LearningPolicy::FIRST_LOOP;
  /// OVER_TIME: spilling cycles to observe before each sizing (>= 1).
  int cycles_before_resize = 1;
  AllocationPolicy allocation = AllocationPolicy::OVERALLOCATE;
  SpillPolicy spill = SpillPolicy::EXTERNAL;
  ResetPolicy reset = ResetPolicy::AT_SCOPE_EXIT;
  MirroringPolicy mirroring = MirroringPolicy::DEVICE_ONLY;
  LocationPolicy location = LocationPolicy::RAM;
  /// MMAP: the backing file ("" : an anonymous temporary file).
  std::string mmap_path;
  /// Every allocation starts on this boundary (a power of two).
  std::size_t alignment = 256;

  /// Throws WorkspaceError naming the field, its value and the fix for a negative or
  /// contradictory setting, for workspace `id` on `device`. Never fixes silently.
  void validate(const std::string& id, Device device) const;

  /// The arena size for a cycle that asked for `demand` bytes under this policy:
  /// overallocation, then the min_size floor, then the max_size cap, aligned.
  std::size_t learned_size(std::size_t demand) const;
};

}  // namespace gyre
