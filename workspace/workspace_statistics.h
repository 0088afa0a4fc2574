#pragma once
// What a workspace reports about itself. Names follow PyTorch's memory_stats where they
// mean the same thing (reserved / allocated / requested, current / peak, counts), plus what
// only a workspace knows: cycles, spills, learned size.
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "runtime/device.h"
#include "runtime/memory_resource.h"
#include "workspace/workspace_config.h"

namespace gyre {

/// One arena (one memory kind) of a workspace.
struct ArenaStatistics {
  MemoryKind kind = MemoryKind::host;
  std::size_t reserved_bytes = 0;           // arena size now (retired ring arenas included)
  std::size_t allocated_bytes_current = 0;  // bump offset in the open cycle
  std::size_t allocated_bytes_peak = 0;     // largest offset any cycle reached in the arena
  std::size_t requested_bytes_current = 0;  // what the open cycle asked for, spills included
  std::size_t requested_bytes_peak = 0;     // the most any cycle asked for
  std::size_t learned_size = 0;             // the size learning (or warm start) chose; 0: none yet
  std::size_t largest_request = 0;          // largest single allocation ever asked
  std::uint64_t allocation_count = 0;       // allocations served from the arena
  std::uint64_t spill_count = 0;            // allocations served outside it
  std::uint64_t spilled_bytes = 0;          // bytes of those, in total
  std::uint64_t resize_count = 0;           // times the arena was (re)allocated
};

struct WorkspaceStatistics {
  std::string id;
  Device device;
  int thread = 0;  // Gyre's index of the owning thread (see thread_index())
  ResetPolicy reset = ResetPolicy::AT_SCOPE_EXIT;
  bool open = false;
  std::uint64_t cycles = 0;           // cycles completed
  std::uint64_t spilling_cycles = 0;  // cycles that spilled at least once
  std::vector<ArenaStatistics> arenas;

  std::size_t reserved_bytes() const;
  std::uint64_t spilled_bytes() const;
};

/// JSON text: {"workspaces": [...]} with every field above (bytes as integers).
std::string statistics_to_json(const std::vector<WorkspaceStatistics>& statistics);
/// A human-readable table, one row per arena, sizes in KiB/MiB/GiB.
void print_statistics_table(std::ostream& out, const std::vector<WorkspaceStatistics>& statistics);
/// "1.5 MiB".
std::string human_bytes(std::uint64_t bytes);

}  // namespace gyre
