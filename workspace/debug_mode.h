#pragma once
// Process-wide debug modes of the workspaces (WORKSPACES.md, "Debug modes").
#include <atomic>

namespace gyre {

enum class DebugMode {
  DISABLED,           // normal operation
  SPILL_EVERYTHING,   // every workspace allocation is a real allocation, freed at cycle end
  BYPASS_EVERYTHING,  // workspaces hand out nothing: every tensor is detached
};

const char* name_of(DebugMode mode);
/// The mode now: set_debug_mode(), else GYRE_WORKSPACE_DEBUG in the environment
/// (SPILL_EVERYTHING or BYPASS_EVERYTHING), else DISABLED.
DebugMode debug_mode();
void set_debug_mode(DebugMode mode);

namespace detail {
/// The mode as an int, -1 until first read: the allocation fast path tests it for 0
/// (DISABLED) with one load.
extern std::atomic<int> debug_mode_state;
}  // namespace detail

}  // namespace gyre
