#pragma once
// The fault-injection loop: run a step with the n-th allocation of one memory
// kind failing, for n = 1, 2, ... until a run makes fewer than n allocations. Each failure
// must reach the caller as a gyre::Error and leave no workspace scope open; `check_after`
// then checks that the next call works. Header-only: it needs the workspace layer, which
// the support library does not link.
#include <catch2/catch.hpp>
#include <cstdint>

#include "runtime/error.h"
#include "runtime/fault_injecting_resource.h"
#include "tests/support/strict_logging.h"
#include "workspace/workspace_manager.h"

namespace gyre::testing {

/// Whether any workspace of this thread on `device` has a scope open.
inline bool any_scope_open(Device device) {
  for (const WorkspaceStatistics& workspace : WorkspaceManager::for_device(device).statistics()) {
    if (workspace.open) return true;
  }
  return false;
}

/// Returns how many allocation sites were failed.
template <typename Step, typename Check>
int fail_each_allocation(FaultTrigger& trigger, Device device, Step step, Check check_after) {
  int failed_sites = 0;
  for (std::uint64_t n = 1; n < 500; ++n) {
    INFO("failing allocation #" << n);
    allow_warnings(1000);  // failed resizes and producer failures are logged
    trigger.arm(n);
    bool threw = false;
    try {
      step();
    } catch (const Error&) {
      threw = true;
      CHECK(trigger.fired());
    }
    trigger.disarm();
    if (!trigger.fired()) {
      CHECK_FALSE(threw);
      break;  // the step made fewer than n allocations: every site has been failed
    }
    ++failed_sites;
    CHECK_FALSE(any_scope_open(device));
    CHECK_FALSE(any_scope_open(Device::cpu()));
    check_after();
  }
  return failed_sites;
}

}  // namespace gyre::testing
