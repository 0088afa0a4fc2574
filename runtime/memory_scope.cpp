#include "runtime/memory_scope.h"

namespace gyre {
namespace {
thread_local MemoryScope* tls_current_scopes[kMaxDevices] = {};
}

MemoryScope* MemoryScope::current(Device device) { return tls_current_scopes[device_slot(device)]; }

MemoryScope* MemoryScope::exchange_current(Device device, MemoryScope* scope) {
  MemoryScope*& slot = tls_current_scopes[device_slot(device)];
  MemoryScope* previous = slot;
  slot = scope;
  return previous;
}

}  // namespace gyre
