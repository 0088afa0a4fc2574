// Workspace: how arenas learn their size, grow and give memory back (LearningPolicy,
// SpillPolicy REALLOCATE, trim, warm starts), and the count of arena moves.
#include <algorithm>
#include <atomic>
#include <utility>

#include "runtime/error.h"
#include "runtime/log.h"
#include "runtime/system_resources.h"
#include "workspace/memory_annotations.h"
#include "workspace/workspace.h"

namespace gyre {
namespace {
std::atomic<std::uint64_t> arena_moves_per_device[kMaxDevices];
}  // namespace

void Workspace::note_arena_moved(Device device) {
  arena_moves_per_device[device_slot(device)].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t Workspace::arena_moves(Device device) {
  return arena_moves_per_device[device_slot(device)].load(std::memory_order_relaxed);
}

void Workspace::apply_learning(KindState& state) {
  if (debug_mode() == DebugMode::SPILL_EVERYTHING || config_.location == LocationPolicy::MMAP)
    return;
  const std::size_t demand = state.cycle_demand;
  switch (config_.learning) {
    case LearningPolicy::NONE:
      break;
    case LearningPolicy::FIRST_LOOP:
      if (!state.sized) {
        state.sized = true;
        if (demand > state.arena().size()) resize(state, config_.learned_size(demand));
      }
      break;
    case LearningPolicy::OVER_TIME:
      if (state.spilled_this_cycle &&
          ++state.over_time_spilling_cycles >=
              static_cast<std::uint64_t>(config_.cycles_before_resize)) {
        state.over_time_spilling_cycles = 0;
        state.sized = true;
        const std::size_t target = config_.learned_size(state.statistics.requested_bytes_peak);
        if (target > state.arena().size()) resize(state, target);
      }
      break;
  }
  if (config_.spill == SpillPolicy::REALLOCATE && state.spilled_this_cycle) {
    const std::size_t target = config_.learned_size(demand);
    if (target > state.arena().size()) resize(state, target);
  }
}

void Workspace::grow_ring(KindState& state, std::size_t bytes) {
  const std::size_t size = state.arena().size();
  const std::size_t in_flight = state.strategy->in_use();
  std::size_t target = config_.learned_size(std::max(2 * size, in_flight + 2 * bytes));
  if (target <= size || target < bytes) {
    if (config_.spill == SpillPolicy::FAIL) {
      throw_cannot_fit(state, bytes, config_.alignment,
                       "the ring is full and max_size stops it growing");
    }
    return;  // capped: the caller spills
  }
  GYRE_LOG(workspace, info, where(), "ring grows from ", size, " to ", target,
           " bytes: ", in_flight, " bytes are still held by its consumer and ", bytes,
           " more were asked");
  resize(state, target);
}

void Workspace::resize(KindState& state, std::size_t bytes) {
  const std::size_t old_size = state.arena().size();
  if (bytes == old_size) return;
  memory_annotations::unregister_heap(std::exchange(state.annotation_heap, nullptr));
  ArenaStrategy::Resized resized;
  try {
    // Reserve max_size (or the resource's default): a learned growth then stays in place.
    resized = state.strategy->resize(*state.resource, bytes, config_.alignment, config_.max_size,
                                     cycle_, depth_ > 0);
  } catch (const OutOfMemoryError& error) {
    state.sized = false;
    const Arena& kept = state.arena();  // a stable arena stays as it was: annotate it again
    if (annotate_ && state.kind == MemoryKind::device && !kept.empty() && state.bump != nullptr)
      state.annotation_heap = memory_annotations::register_heap(kept.base(), kept.size());
    update_reserved_bytes();
    throw_cannot_fit(state, bytes, config_.alignment, error.what());
  }
  const Arena& arena = state.arena();
  if (annotate_ && state.kind == MemoryKind::device && !arena.empty() && state.bump != nullptr)
    state.annotation_heap = memory_annotations::register_heap(arena.base(), arena.size());
  ++state.statistics.resize_count;
  state.statistics.learned_size = bytes;
  if (resized == ArenaStrategy::Resized::moved) note_arena_moved(resources_.device);
  update_reserved_bytes();
  GYRE_LOG(workspace, debug, where(), name_of(state.kind), " arena resized from ", old_size, " to ",
           bytes, " bytes", resized == ArenaStrategy::Resized::in_place ? " in place" : "");
  MemoryTimeline::note(uid_, TimelineEvent::resize, state.kind, bytes, 0);
}

std::size_t Workspace::trim() {
  GYRE_CHECK(depth_ == 0, WorkspaceError, where(), "cannot trim while a scope is open");
  std::size_t freed = 0;
  for (KindState& state : kinds_) {
    if (config_.location == LocationPolicy::MMAP) continue;
    if (state.strategy->holds_cycles()) continue;  // a ring's consumer still uses it
    state.strategy->drop_retired();
    const std::size_t target =
        state.peak_demand_since_trim == 0 ? 0 : config_.learned_size(state.peak_demand_since_trim);
    if (target < state.arena().size()) {
      freed += state.arena().size() - target;
      resize(state, target);
      if (target == 0) state.sized = config_.learning == LearningPolicy::NONE;
      MemoryTimeline::note(uid_, TimelineEvent::trim, state.kind, target, 0);
    }
    state.peak_demand_since_trim = 0;
  }
  update_reserved_bytes();
  return freed;
}

void Workspace::adopt_learned_size(MemoryKind kind, std::size_t bytes) {
  GYRE_CHECK(depth_ == 0, WorkspaceError, where(), "cannot resize while a scope is open");
  KindState& state = state_for(kind);
  if (config_.location == LocationPolicy::MMAP) return;
  resize(state, align_up(bytes, config_.alignment));
  state.sized = true;
}

std::size_t Workspace::learned_size(MemoryKind kind) const {
  return state_for(kind).statistics.learned_size;
}

void Workspace::throw_cannot_fit(const KindState& state, std::size_t bytes, std::size_t alignment,
                                 const char* reason) const {
  const std::size_t offset = state.strategy->in_use();
  throw WorkspaceError(strcat(
      where(), "cannot fit a request of ", bytes, " bytes (alignment ", alignment, ") in its ",
      name_of(state.kind), " arena of ", state.arena().size(), " bytes at offset ", offset,
      "; the largest request this cycle was ", state.cycle_largest_request, " bytes; ",
      resources_.device, " has ", free_memory(resources_.device), " bytes free. Reason: ", reason,
      ". Raise initial_size or max_size, or use spill EXTERNAL or REALLOCATE."));
}

}  // namespace gyre
