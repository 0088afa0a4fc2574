#include "workspace/workspace_lifetime.h"

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "runtime/strcat.h"

namespace gyre {

struct LifetimeRegistry {
  std::mutex mutex;
  std::vector<std::unique_ptr<WorkspaceLifetime>> records;
  std::vector<WorkspaceLifetime*> free;  // records of destroyed workspaces
};

namespace {
LifetimeRegistry& registry() {
  static auto* instance = new LifetimeRegistry();  // never destroyed: tags may outlive main
  return *instance;
}
}  // namespace

WorkspaceLifetime* WorkspaceLifetime::create(const std::string& id, Device device, int thread,
                                             ResetPolicy reset) {
  Owner owner{id, device, thread, reset};
  LifetimeRegistry& records = registry();
  std::lock_guard<std::mutex> lock(records.mutex);
  if (!records.free.empty()) {
    WorkspaceLifetime* record = records.free.back();
    records.free.pop_back();
    record->previous_owner_ = std::move(record->owner_);
    record->previous_first_epoch_ = record->first_epoch_;
    record->has_previous_owner_ = true;
    record->owner_ = std::move(owner);
    record->first_epoch_ = record->next_epoch_;
    record->destroyed_ = false;
    record->end_epochs_before(record->first_epoch_);
    return record;
  }
  // Reserve first, so that a failed allocation leaves the registry as it was.
  records.free.reserve(records.records.size() + 1);
  std::unique_ptr<WorkspaceLifetime> record(new WorkspaceLifetime(std::move(owner)));
  records.records.push_back(std::move(record));
  return records.records.back().get();
}

void WorkspaceLifetime::mark_destroyed(std::uint64_t cycles) {
  LifetimeRegistry& records = registry();
  std::lock_guard<std::mutex> lock(records.mutex);
  destroyed_ = true;
  end_all_epochs();
  next_epoch_ = first_epoch_ + cycles;
  records.free.push_back(this);  // capacity reserved in create(): cannot throw
}

std::size_t WorkspaceLifetime::records_created() {
  LifetimeRegistry& records = registry();
  std::lock_guard<std::mutex> lock(records.mutex);
  return records.records.size();
}

std::string WorkspaceLifetime::origin(const Owner& owner) {
  return strcat("from workspace '", owner.id, "' (", owner.device, ", thread ", owner.thread, ")");
}

std::string WorkspaceLifetime::describe_stale(std::uint64_t epoch) const {
  std::lock_guard<std::mutex> lock(registry().mutex);
  if (epoch < first_epoch_) {
    const bool previous = has_previous_owner_ && epoch >= previous_first_epoch_;
    return strcat(previous ? origin(previous_owner_) : std::string("from an earlier workspace"),
                  " outlived its workspace, which was destroyed; call detach() or leverage_to() "
                  "before destroying the workspace");
  }
  const std::uint64_t cycle = epoch - first_epoch_;
  if (destroyed_) {
    return strcat(origin(owner_), " belongs to cycle ", cycle,
                  ", and the workspace was destroyed; call detach() or leverage_to() before "
                  "destroying the workspace");
  }
  if (owner_.reset == ResetPolicy::CYCLIC) {
    return strcat(origin(owner_), " belongs to cycle ", cycle,
                  ", whose ring region was released by its consumer; call detach() before "
                  "releasing it (for an iterator: before the next call to next())");
  }
  return strcat(origin(owner_), " belongs to cycle ", cycle,
                ", which ended; call detach() or leverage_to() before leaving the scope");
}

}  // namespace gyre
