#include "workspace/workspace_registry.h"

#include <algorithm>

#include "workspace/workspace.h"

namespace gyre {

WorkspaceRegistry& WorkspaceRegistry::instance() {
  static auto* registry = new WorkspaceRegistry();  // outlives thread-local workspaces
  return *registry;
}

void WorkspaceRegistry::add(const Workspace* workspace) {
  std::lock_guard<std::mutex> lock(mutex_);
  workspaces_.push_back(workspace);
}

void WorkspaceRegistry::remove(const Workspace* workspace) {
  std::lock_guard<std::mutex> lock(mutex_);
  workspaces_.erase(std::remove(workspaces_.begin(), workspaces_.end(), workspace),
                    workspaces_.end());
}

std::vector<ThreadWorkspaceMemory> WorkspaceRegistry::memory_by_thread() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ThreadWorkspaceMemory> report;
  for (const Workspace* workspace : workspaces_) {
    auto entry = std::find_if(report.begin(), report.end(), [&](const ThreadWorkspaceMemory& row) {
      return row.thread == workspace->thread() && row.device == workspace->device();
    });
    if (entry == report.end()) {
      report.push_back({workspace->thread(), workspace->device(), 0, 0});
      entry = report.end() - 1;
    }
    entry->workspaces += 1;
    entry->reserved_bytes += workspace->reserved_bytes();
  }
  std::sort(report.begin(), report.end(), [](const auto& a, const auto& b) {
    return a.thread != b.thread ? a.thread < b.thread
                                : device_slot(a.device) < device_slot(b.device);
  });
  return report;
}

std::size_t WorkspaceRegistry::reserved_bytes(Device device) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t total = 0;
  for (const Workspace* workspace : workspaces_) {
    if (workspace->device() == device) total += workspace->reserved_bytes();
  }
  return total;
}

std::size_t WorkspaceRegistry::workspace_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return workspaces_.size();
}

}  // namespace gyre
