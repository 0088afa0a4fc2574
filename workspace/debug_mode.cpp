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
  throw WorkspaceError(strcat("GYRE_WORKSPACE_DEBUG='", text,
                              "' is not a debug mode; use SPILL_EVERYTHING, BYPASS_EVERYTHING or DISABLED"));
}

std::atomic<DebugMode>& current_mode() {
  static std::atomic<DebugMode> mode{mode_from_environment()};
  return mode;
}
}  // namespace

const char* name_of(DebugMode mode) {
  switch (mode) {
    case DebugMode::DISABLED: return "DISABLED";
    case DebugMode::SPILL_EVERYTHING: return "SPILL_EVERYTHING";
    case DebugMode::BYPASS_EVERYTHING: return "BYPASS_EVERYTHING";
  }
  return "?";
}

DebugMode debug_mode() { return current_mode().load(std::memory_order_relaxed); }
void set_debug_mode(DebugMode mode) { current_mode().store(mode, std::memory_order_relaxed); }

}  // namespace gyre
