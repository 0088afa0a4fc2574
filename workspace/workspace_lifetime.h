#pragma once
// The Lifetime record behind every workspace tensor: which cycles are still live, and the
// words for a stale tensor's error. Records are kept by a process-wide registry and never
// freed, so a tensor that outlives its workspace is still detected. A destroyed workspace's
// record is handed to the next workspace created, whose epochs start above every epoch the
// old owner handed out: its stale tensors stay stale, and creating and destroying
// workspaces in a loop keeps the registry's size flat.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "runtime/device.h"
#include "runtime/lifetime.h"
#include "workspace/workspace_config.h"

namespace gyre {

class WorkspaceLifetime final : public Lifetime {
 public:
  /// A record for a new workspace (owned by the registry): a destroyed workspace's record
  /// when one is free, else a new one. Tag the owner's cycle c with epoch first_epoch() + c.
  static WorkspaceLifetime* create(const std::string& id, Device device, int thread,
                                   ResetPolicy reset);

  /// The epoch of the owner's cycle 0.
  std::uint64_t first_epoch() const { return first_epoch_; }
  /// Cycles below `cycle` have ended (or been released).
  void end_cycles_before(std::uint64_t cycle) { end_epochs_before(first_epoch_ + cycle); }
  /// The workspace is gone after `cycles` cycles (counting the open one): every tensor of
  /// it is stale, and the record may serve a new workspace whose epochs start above them.
  void mark_destroyed(std::uint64_t cycles);

  std::string describe_stale(std::uint64_t epoch) const override;

  /// Records in the registry, free or in use (for soak tests).
  static std::size_t records_created();

 private:
  struct Owner {
    std::string id;
    Device device;
    int thread = 0;
    ResetPolicy reset = ResetPolicy::AT_SCOPE_EXIT;
  };
  explicit WorkspaceLifetime(Owner owner) : owner_(std::move(owner)) {}
  static std::string origin(const Owner& owner);

  // Written under the registry's lock, which describe_stale() also takes.
  Owner owner_;
  Owner previous_owner_;  // the last owner before this one, for its stale tensors' errors
  std::uint64_t previous_first_epoch_ = 0;
  bool has_previous_owner_ = false;
  std::uint64_t first_epoch_ = 0;  // the owner's cycle 0; set before the record is handed out
  std::uint64_t next_epoch_ = 0;   // above every epoch an owner handed out
  bool destroyed_ = false;
};

}  // namespace gyre
