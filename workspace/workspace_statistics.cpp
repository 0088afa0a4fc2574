#include "workspace/workspace_statistics.h"

#include <cstdio>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>

namespace gyre {

std::size_t WorkspaceStatistics::reserved_bytes() const {
  std::size_t total = 0;
  for (const ArenaStatistics& arena : arenas) total += arena.reserved_bytes;
  return total;
}

std::uint64_t WorkspaceStatistics::spilled_bytes() const {
  std::uint64_t total = 0;
  for (const ArenaStatistics& arena : arenas) total += arena.spilled_bytes;
  return total;
}

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024.0 && unit < 4) {
    value /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

std::string statistics_to_json(const std::vector<WorkspaceStatistics>& statistics) {
  nlohmann::json workspaces = nlohmann::json::array();
  for (const WorkspaceStatistics& workspace : statistics) {
    nlohmann::json arenas = nlohmann::json::array();
    for (const ArenaStatistics& arena : workspace.arenas) {
      arenas.push_back({{"kind", name_of(arena.kind)},
                        {"reserved_bytes", arena.reserved_bytes},
                        {"allocated_bytes.current", arena.allocated_bytes_current},
                        {"allocated_bytes.peak", arena.allocated_bytes_peak},
                        {"requested_bytes.current", arena.requested_bytes_current},
                        {"requested_bytes.peak", arena.requested_bytes_peak},
                        {"learned_size", arena.learned_size},
                        {"largest_request", arena.largest_request},
                        {"allocation.count", arena.allocation_count},
                        {"spill.count", arena.spill_count},
                        {"spilled_bytes", arena.spilled_bytes},
                        {"resize.count", arena.resize_count}});
    }
    workspaces.push_back({{"id", workspace.id},
                          {"device", workspace.device.to_string()},
                          {"thread", workspace.thread},
                          {"reset", name_of(workspace.reset)},
                          {"open", workspace.open},
                          {"cycles", workspace.cycles},
                          {"spilling_cycles", workspace.spilling_cycles},
                          {"reserved_bytes", workspace.reserved_bytes()},
                          {"arenas", arenas}});
  }
  return nlohmann::json{{"workspaces", workspaces}}.dump(2);
}

void print_statistics_table(std::ostream& out, const std::vector<WorkspaceStatistics>& statistics) {
  out << std::left << std::setw(24) << "workspace" << std::setw(8) << "device" << std::setw(7)
      << "thread" << std::setw(12) << "kind" << std::right << std::setw(11) << "reserved"
      << std::setw(11) << "peak used" << std::setw(11) << "peak asked" << std::setw(11) << "learned"
      << std::setw(9) << "cycles" << std::setw(8) << "spills" << std::setw(11) << "spilled"
      << "\n";
  std::size_t total = 0;
  for (const WorkspaceStatistics& workspace : statistics) {
    for (const ArenaStatistics& arena : workspace.arenas) {
      out << std::left << std::setw(24) << workspace.id << std::setw(8)
          << workspace.device.to_string() << std::setw(7) << workspace.thread << std::setw(12)
          << name_of(arena.kind) << std::right << std::setw(11) << human_bytes(arena.reserved_bytes)
          << std::setw(11) << human_bytes(arena.allocated_bytes_peak) << std::setw(11)
          << human_bytes(arena.requested_bytes_peak) << std::setw(11)
          << human_bytes(arena.learned_size) << std::setw(9) << workspace.cycles << std::setw(8)
          << arena.spill_count << std::setw(11) << human_bytes(arena.spilled_bytes) << "\n";
      total += arena.reserved_bytes;
    }
  }
  out << "total reserved: " << human_bytes(total) << " in " << statistics.size()
      << " workspace(s)\n";
}

}  // namespace gyre
