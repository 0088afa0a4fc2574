#pragma once
// The Lifetime record behind every workspace tensor: which cycles are still live, and the
// words for a stale tensor's error. Records are kept by a process-wide registry and never
// freed, so a tensor that outlives its workspace is still detected (and the record's
// identity is never reused).
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "runtime/device.h"
#include "runtime/lifetime.h"
#include "workspace/workspace_config.h"

namespace gyre {

class WorkspaceLifetime final : public Lifetime {
 public:
  /// A new record from the registry (owned by it).
  static WorkspaceLifetime* create(const std::string& id, Device device, int thread,
                                   ResetPolicy reset);

  /// Cycles below `cycle` have ended (or been released).
  void end_cycles_before(std::uint64_t cycle) { end_epochs_before(cycle); }
  /// The workspace is gone: every tensor of it is stale.
  void mark_destroyed();

  std::string describe_stale(std::uint64_t epoch) const override;

 private:
  WorkspaceLifetime(std::string id, Device device, int thread, ResetPolicy reset)
      : id_(std::move(id)), device_(device), thread_(thread), reset_(reset) {}

  std::string id_;
  Device device_;
  int thread_;
  ResetPolicy reset_;
  std::atomic<bool> destroyed_{false};
};

}  // namespace gyre
