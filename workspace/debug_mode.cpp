#include "workspace/debug_mode.h"

#include <atomic>
#include <cstdlib>
#include <string_view>

#include "runtime/error.h"

namespace gyre {
namespace {
DebugMode mode_from_environment() {
  const char* value = std::getenv("GYRE_WORKSPACE_DEBUG");
  if (value == nullptr || *value == '\0') return DebugMode::DISABLED;
  const std::string_view text(value);
  if (text == "SPILL_EVERYTHING") return DebugMode::SPILL_EVERYTHING;
  if (text == "BYPASS_EVERYTHING") return DebugMode::BYPASS_EVERYTHING;
  if (text == "DISABLED") return DebugMode::DISABLED;
  throw WorkspaceError(
      strcat("GYRE_WORKSPACE_DEBUG='", text,
             "' is not a debug mode; use SPILL_EVERYTHING, BYPASS_EVERYTHING or DISABLED"));
}

}  // namespace

// Constant-initialized, so reading it costs one load (it is on the allocation path).
std::atomic<int> detail::debug_mode_state{-1};

const char* name_of(DebugMode mode) {
  switch (mode) {
    case DebugMode::DISABLED:
      return "DISABLED";
    case DebugMode::SPILL_EVERYTHING:
      return "SPILL_EVERYTHING";
    case DebugMode::BYPASS_EVERYTHING:
      return "BYPASS_EVERYTHING";
  }
  return "?";
}

DebugMode debug_mode() {
  int mode = detail::debug_mode_state.load(std::memory_order_relaxed);
  if (mode < 0) {
    mode = static_cast<int>(mode_from_environment());
    int unset = -1;
    detail::debug_mode_state.compare_exchange_strong(unset, mode, std::memory_order_relaxed);
    mode = detail::debug_mode_state.load(std::memory_order_relaxed);
  }
  return static_cast<DebugMode>(mode);
}

void set_debug_mode(DebugMode mode) {
  detail::debug_mode_state.store(static_cast<int>(mode), std::memory_order_relaxed);
}

}  // namespace gyre
