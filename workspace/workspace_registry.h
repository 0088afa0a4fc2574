#pragma once
// The process-wide registry of live workspaces: what every thread holds on every device,
// so that the memory of a thread pool is visible (ND4J multiplied it silently).
#include <cstddef>
#include <mutex>
#include <vector>

#include "runtime/device.h"

namespace gyre {

class Workspace;

struct ThreadWorkspaceMemory {
  int thread = 0;
  Device device;
  int workspaces = 0;
  std::size_t reserved_bytes = 0;
};

class WorkspaceRegistry {
 public:
  static WorkspaceRegistry& instance();

  /// Workspace bytes per (thread, device), threads in creation order.
  std::vector<ThreadWorkspaceMemory> memory_by_thread() const;
  /// Workspace bytes on `device` over all threads.
  std::size_t reserved_bytes(Device device) const;
  std::size_t workspace_count() const;

 private:
  friend class Workspace;
  void add(const Workspace* workspace);
  void remove(const Workspace* workspace);

  mutable std::mutex mutex_;
  std::vector<const Workspace*> workspaces_;
};

}  // namespace gyre
