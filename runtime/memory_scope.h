#pragma once
// MemoryScope: where a new tensor goes on this thread right now. The workspace layer
// implements it; with no scope current for a device, new tensors are detached.
#include <cstddef>
#include <cstdint>
#include <string_view>

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

  /// True when tensors tagged with `lifetime` live in this scope.
  virtual bool owns(const Lifetime* lifetime) const = 0;

  /// The innermost scope open on this thread for `device`, or null.
  static MemoryScope* current(Device device);
  /// Sets the current scope for `device` on this thread and returns the one it replaces.
  static MemoryScope* exchange_current(Device device, MemoryScope* scope);

  /// The open scope named `id` on this thread for `device`, or null. The workspace layer
  /// installs the finder; without one, no scope is found.
  using Finder = MemoryScope* (*)(Device device, std::string_view id);
  static MemoryScope* find_open(Device device, std::string_view id);
  static void set_finder(Finder finder);

 protected:
  MemoryScope() = default;
  ~MemoryScope() = default;
};

}  // namespace gyre
