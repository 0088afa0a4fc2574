#include "runtime/memory_scope.h"

#include <atomic>

namespace gyre {
namespace {
thread_local MemoryScope* tls_current_scopes[kMaxDevices] = {};
std::atomic<MemoryScope::Finder> scope_finder{nullptr};
}  // namespace

MemoryScope* MemoryScope::current(Device device) {
  return tls_current_scopes[device_slot(device)];
}

MemoryScope* MemoryScope::exchange_current(Device device, MemoryScope* scope) {
  MemoryScope*& slot = tls_current_scopes[device_slot(device)];
  MemoryScope* previous = slot;
  slot = scope;
  return previous;
}

MemoryScope* MemoryScope::find_open(Device device, std::string_view id) {
  const Finder finder = scope_finder.load(std::memory_order_acquire);
  return finder != nullptr ? finder(device, id) : nullptr;
}

void MemoryScope::set_finder(Finder finder) {
  scope_finder.store(finder, std::memory_order_release);
}

}  // namespace gyre
