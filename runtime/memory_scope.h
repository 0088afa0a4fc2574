#pragma once
// MemoryScope: where a new tensor goes on this thread right now. The workspace layer
// implements it; with no scope current for a device, new tensors are detached.
#include <cstddef>
#include <cstdint>

#include "runtime/device.h"
#include "runtime/stream.h"

namespace gyre {

class Lifetime;

/// Memory handed out by a scope, tagged with the lifetime it belongs to. A null `data`
/// asks the caller to make a detached tensor instead (for example in a bypass mode).
struct ScopedAllocation {
  void* data = nullptr;
  const Lifetime* lifetime = nullptr;
  std::uint64_t epoch = 0;
};

class MemoryScope {
 public:
  /// Memory for a new tensor of `bytes` on this scope's device, usable in `stream`'s order.
  virtual ScopedAllocation allocate(std::size_t bytes, std::size_t alignment, Stream stream) = 0;

  /// The innermost scope open on this thread for `device`, or null.
  static MemoryScope* current(Device device);
  /// Sets the current scope for `device` on this thread and returns the one it replaces.
  static MemoryScope* exchange_current(Device device, MemoryScope* scope);

 protected:
  MemoryScope() = default;
  ~MemoryScope() = default;
};

}  // namespace gyre
