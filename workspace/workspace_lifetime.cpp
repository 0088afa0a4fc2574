#include "workspace/workspace_lifetime.h"

#include <memory>
#include <mutex>
#include <vector>

#include "runtime/strcat.h"

namespace gyre {

struct LifetimeRegistry {
  std::mutex mutex;
  std::vector<std::unique_ptr<WorkspaceLifetime>> records;
};

namespace {
LifetimeRegistry& registry() {
  static auto* instance = new LifetimeRegistry();  // never destroyed: tags may outlive main
  return *instance;
}
}  // namespace

WorkspaceLifetime* WorkspaceLifetime::create(const std::string& id, Device device, int thread,
                                             ResetPolicy reset) {
  LifetimeRegistry& records = registry();
  std::lock_guard<std::mutex> lock(records.mutex);
  records.records.emplace_back(new WorkspaceLifetime(id, device, thread, reset));
  return records.records.back().get();
}

void WorkspaceLifetime::mark_destroyed() {
  destroyed_.store(true, std::memory_order_relaxed);
  end_all_epochs();
}

std::string WorkspaceLifetime::describe_stale(std::uint64_t epoch) const {
  const std::string origin =
      strcat("from workspace '", id_, "' (", device_, ", thread ", thread_, ")");
  if (destroyed_.load(std::memory_order_relaxed)) {
    return strcat(origin, " belongs to cycle ", epoch,
                  ", and the workspace was destroyed; call detach() or leverage_to() before "
                  "destroying the workspace");
  }
  if (reset_ == ResetPolicy::CYCLIC) {
    return strcat(origin, " belongs to cycle ", epoch,
                  ", whose ring region was released by its consumer; call detach() before "
                  "releasing it (for an iterator: before the next call to next())");
  }
  return strcat(origin, " belongs to cycle ", epoch,
                ", which ended; call detach() or leverage_to() before leaving the scope");
}

}  // namespace gyre
