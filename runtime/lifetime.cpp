#include "runtime/lifetime.h"

#include <cstdlib>
#include <cstring>

namespace gyre {
namespace {
bool validation_from_environment() {
  const char* value = std::getenv("GYRE_WORKSPACE_VALIDATION");
  return value == nullptr || std::strcmp(value, "0") != 0;
}
std::atomic<bool> validation_enabled{validation_from_environment()};
}  // namespace

bool workspace_validation_enabled() {
  return validation_enabled.load(std::memory_order_relaxed);
}
void set_workspace_validation(bool enabled) {
  validation_enabled.store(enabled, std::memory_order_relaxed);
}

}  // namespace gyre
