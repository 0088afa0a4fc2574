#include "workspace/workspace.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <utility>

#include "runtime/error.h"
#include "runtime/log.h"
#include "runtime/system_resources.h"
#include "workspace/memory_annotations.h"
#include "workspace/memory_timeline.h"
#include "workspace/ring_allocator.h"
#include "workspace/workspace_lifetime.h"
#include "workspace/workspace_registry.h"

namespace gyre {
namespace {

std::atomic<std::uint64_t> next_uid{1};
std::atomic<int> next_thread_index{1};

// A workspace that spills this many cycles in a row says so, once.
constexpr int kSpillingCyclesBeforeWarning = 3;

}  // namespace

int thread_index() {
  thread_local const int index = next_thread_index.fetch_add(1, std::memory_order_relaxed);
  return index;
}

WorkspaceResources WorkspaceResources::make_default(Device device) {
  check_device(device);
  WorkspaceResources resources;
  resources.device = device;
  resources.primary = device.is_cpu() ? &host_resource() : &device_resource(device);
  if (device.is_accelerator()) resources.mirror = &pinned_host_resource(device);
  resources.ordering = &default_stream_ordering();
  return resources;
}

Workspace::Workspace(std::string id, const WorkspaceConfig& config, Device device)
    : Workspace(std::move(id), config, WorkspaceResources::make_default(device)) {}

Workspace::Workspace(std::string id, const WorkspaceConfig& config,
                     const WorkspaceResources& resources)
    : id_(std::move(id)),
      config_(config),
      resources_(resources),
      thread_(thread_index()),
      uid_(next_uid.fetch_add(1, std::memory_order_relaxed)) {
  GYRE_CHECK(!id_.empty(), WorkspaceError, "a workspace needs a non-empty id");
  config_.validate(id_, resources_.device);
  GYRE_ASSERT(resources_.ordering != nullptr, "workspace '", id_, "' has no stream ordering");

  auto add_kind = [&](MemoryKind kind, MemoryResource* resource) {
    GYRE_CHECK(resource != nullptr, WorkspaceError, where(), "has no ", name_of(kind),
               " memory resource for mirroring ", name_of(config_.mirroring));
    KindState state;
    state.kind = kind;
    state.resource = resource;
    state.statistics.kind = kind;
    if (config_.reset == ResetPolicy::CYCLIC) {
      state.strategy = std::make_unique<RingAllocator>();
    } else {
      auto bump = std::make_unique<BumpAllocator>();
      state.bump = bump.get();
      state.strategy = std::move(bump);
    }
    kinds_.push_back(std::move(state));
    kind_list_.push_back(kind);
  };
  if (resources_.device.is_cpu()) {
    add_kind(MemoryKind::host, resources_.primary);
  } else {
    if (config_.mirroring != MirroringPolicy::HOST_ONLY)
      add_kind(MemoryKind::device, resources_.primary);
    if (config_.mirroring != MirroringPolicy::DEVICE_ONLY)
      add_kind(MemoryKind::pinned_host, resources_.mirror);
  }

  // Capacity for the usual case up front, so that the steady state does not allocate.
  spills_.reserve(16);
  streams_this_cycle_.reserve(8);
  fences_.reserve(8);
  release_fences_.reserve(8);
  released_fences_.reserve(8);

  annotate_ = resources_.device.is_cuda() && memory_annotations::active();
  MemoryTimeline::instance().name_workspace(uid_, id_, resources_.device, thread_);
  try {
    for (KindState& state : kinds_) {
      if (config_.location == LocationPolicy::MMAP) {
        state.strategy->adopt_file(Arena::map_file(config_.mmap_path, config_.initial_size));
        update_reserved_bytes();
        state.statistics.resize_count = 1;
        state.statistics.learned_size = config_.initial_size;
        state.sized = true;
      } else if (config_.initial_size > 0) {
        resize(state, align_up(config_.initial_size, config_.alignment));
        state.sized = config_.learning != LearningPolicy::FIRST_LOOP;
      } else {
        state.sized = config_.learning == LearningPolicy::NONE;
      }
    }
    // Last: a constructor that throws registers nothing.
    lifetime_ = WorkspaceLifetime::create(id_, resources_.device, thread_, config_.reset);
    lifetime_as_base_ = lifetime_;
    epoch_base_ = lifetime_->first_epoch();
    WorkspaceRegistry::instance().add(this);
  } catch (...) {
    // No destructor runs: hand back the lifetime record and the timeline's name.
    if (lifetime_ != nullptr) lifetime_->mark_destroyed(0);
    for (KindState& state : kinds_) memory_annotations::unregister_heap(state.annotation_heap);
    MemoryTimeline::instance().forget_workspace(uid_);
    throw;
  }
}

Workspace::~Workspace() {
  if (depth_ > 0) {
    GYRE_LOG(workspace, error, where(), "destroyed with ", depth_,
             " open scope(s); its tensors are now invalid");
  }
  free_spills_through(UINT64_MAX);
  for (KindState& state : kinds_) memory_annotations::unregister_heap(state.annotation_heap);
  note_arena_moved(resources_.device);
  for (const Fence& fence : fences_) resources_.ordering->forget(fence.token);
  for (const Fence& fence : release_fences_) resources_.ordering->forget(fence.token);
  for (const Fence& fence : released_fences_) resources_.ordering->forget(fence.token);
  lifetime_->mark_destroyed(cycle_ + 1);
  MemoryTimeline::instance().forget_workspace(uid_);
  WorkspaceRegistry::instance().remove(this);
}

const Lifetime& Workspace::lifetime() const {
  return *lifetime_;
}

bool Workspace::owns(const Lifetime* lifetime) const {
  return lifetime == lifetime_;
}

void Workspace::update_reserved_bytes() {
  std::size_t total = 0;
  for (const KindState& state : kinds_) total += state.strategy->reserved_bytes();
  reserved_bytes_.store(total, std::memory_order_relaxed);
}

std::string Workspace::where() const {
  return strcat("workspace '", id_, "' (", resources_.device, ", thread ", thread_, "): ");
}

Workspace::KindState& Workspace::state_for(MemoryKind kind) {
  for (KindState& state : kinds_) {
    if (state.kind == kind) return state;
  }
  throw WorkspaceError(strcat(where(), "has no ", name_of(kind), " arena (mirroring ",
                              name_of(config_.mirroring), ")"));
}

const Workspace::KindState& Workspace::state_for(MemoryKind kind) const {
  return const_cast<Workspace*>(this)->state_for(kind);
}

// ---- scopes -------------------------------------------------------------------------

void Workspace::enter() {
  if (depth_ == 0) {
    streams_this_cycle_.clear();
    for (KindState& state : kinds_) {
      state.cycle_demand = 0;
      state.spilled_this_cycle = false;
      state.cycle_largest_request = 0;
    }
    if (config_.reset == ResetPolicy::CYCLIC) collect_released_cycles();
    for (KindState& state : kinds_) state.strategy->open_cycle(cycle_);
  }
  ++depth_;
}

void Workspace::leave() noexcept {
  if (depth_ <= 0) {
    GYRE_LOG(workspace, error, where(), "leave() without a matching enter(); ignored");
    return;
  }
  if (--depth_ > 0) return;
  fast_path_open_ = false;
  try {
    end_cycle();
  } catch (const std::exception& error) {
    // A failed resize must not escape a scope's destructor: the workspace stays usable and
    // spills until it can size itself again.
    GYRE_LOG(workspace, error, where(), "ending cycle ", cycle_, " failed: ", error.what());
  }
}

void Workspace::end_cycle() {
  // Fences for the next cycle: every stream that used this cycle's memory.
  for (const Fence& fence : fences_) resources_.ordering->forget(fence.token);
  fences_.clear();
  for (Stream stream : streams_this_cycle_) {
    if (stream.device().is_cpu()) continue;  // CPU streams are synchronous: nothing to order
    try {
      // A capturing stream's fence would be a node of the graph, which eager work may not
      // wait on: the graph's owner orders its replays against the other streams instead.
      if (resources_.ordering->capturing(stream)) continue;
      const std::uint64_t token = resources_.ordering->record(stream);
      if (token != 0) fences_.push_back({stream, token});
    } catch (const std::exception& error) {
      // The cycle still ends below (else its memory would never be reset). Without a fence
      // the next cycle must not overlap this stream's work: wait for it on the host.
      GYRE_LOG(workspace, error, where(), "recording the end of cycle ", cycle_, " on a stream of ",
               stream.device(), " failed (", error.what(),
               "); waiting for that stream on the host instead");
      try {
        stream.synchronize();
      } catch (const std::exception&) {  // a destroyed stream: nothing left to wait for
      }
    }
  }

  bool spilled = false;
  for (KindState& state : kinds_) {
    if (state.bump != nullptr) {
      if (!state.spilled_this_cycle) state.cycle_demand = state.bump->offset();
      state.statistics.allocated_bytes_peak =
          std::max(state.statistics.allocated_bytes_peak, state.bump->offset());
    }
    state.statistics.largest_request =
        std::max(state.statistics.largest_request, state.cycle_largest_request);
    spilled = spilled || state.spilled_this_cycle;
    state.statistics.requested_bytes_peak =
        std::max(state.statistics.requested_bytes_peak, state.cycle_demand);
    state.peak_demand_since_trim = std::max(state.peak_demand_since_trim, state.cycle_demand);
  }

  const std::uint64_t ended = cycle_;
  if (config_.reset == ResetPolicy::AT_SCOPE_EXIT) {
    lifetime_->end_cycles_before(ended + 1);
    free_spills_through(ended);
    for (KindState& state : kinds_) {
      state.strategy->close_cycle();
      if (state.annotation_heap != nullptr) memory_annotations::reset_heap(state.annotation_heap);
      MemoryTimeline::note(uid_, TimelineEvent::reset, state.kind, 0, 0);
    }
  }
  ++cycle_;
  ++cycles_completed_;
  cycles_ended_.store(cycle_, std::memory_order_release);

  std::uint64_t resizes = 0;
  for (KindState& state : kinds_) {
    apply_learning(state);
    resizes += state.statistics.resize_count;
  }
  // A cycle that spilled counts towards the warning unless the arena grew after it: a
  // workspace that is still growing to its need (REALLOCATE, learning) is not stuck.
  if (spilled && resizes == resizes_at_last_cycle_) {
    ++consecutive_spilling_cycles_;
  } else {
    consecutive_spilling_cycles_ = 0;
  }
  resizes_at_last_cycle_ = resizes;
  if (spilled) ++spilling_cycles_;
  if (consecutive_spilling_cycles_ >= kSpillingCyclesBeforeWarning && !warned_spilling_ &&
      debug_mode() != DebugMode::SPILL_EVERYTHING) {
    warned_spilling_ = true;
    const KindState& state = kinds_.front();
    GYRE_LOG(workspace, warn, where(), "spilled in each of the last ", consecutive_spilling_cycles_,
             " cycles; an arena of ", config_.learned_size(state.statistics.requested_bytes_peak),
             " bytes would hold a cycle (now ", state.arena().size(),
             "); raise initial_size/max_size "
             "or use learning FIRST_LOOP/OVER_TIME or spill REALLOCATE");
  }
}

// ---- allocation ---------------------------------------------------------------------

ScopedAllocation Workspace::allocate_slow(std::size_t bytes, std::size_t alignment, Stream stream) {
  return allocate(bytes, kinds_.front().kind, alignment, stream);
}

ScopedAllocation Workspace::allocate(std::size_t bytes, MemoryKind kind, std::size_t alignment,
                                     Stream stream) {
  GYRE_CHECK(depth_ > 0, WorkspaceError, where(),
             "is not open; allocate inside a scope "
             "(WorkspaceManager::activate) or use a detached tensor");
  GYRE_CHECK(alignment != 0 && (alignment & (alignment - 1)) == 0, InvalidArgumentError, where(),
             "alignment ", alignment, " is not a power of two");
  const DebugMode mode = debug_mode();
  if (mode == DebugMode::BYPASS_EVERYTHING) return {};  // the caller detaches
  KindState& state = state_for(kind);
  if (config_.reset == ResetPolicy::CYCLIC) {
    collect_released_cycles();
    // Memory the consumer released may be rewritten only after its work so far is done.
    for (const Fence& fence : released_fences_) {
      resources_.ordering->wait(stream, fence.token);
      resources_.ordering->forget(fence.token);
    }
    released_fences_.clear();
  }
  note_stream(stream);
  if (state.kind == MemoryKind::pinned_host) wait_before_host_writes();
  return allocate_in(state, bytes, std::max(alignment, config_.alignment), stream, mode);
}

ScopedAllocation Workspace::allocate_in(KindState& state, std::size_t bytes, std::size_t alignment,
                                        Stream stream, DebugMode mode) {
  // Until a cycle spills, its demand equals the bump offset, which the fast path tracks alone.
  if (!state.spilled_this_cycle && state.bump != nullptr) state.cycle_demand = state.bump->offset();
  state.cycle_demand = align_up(state.cycle_demand, alignment) + bytes;
  state.cycle_largest_request = std::max(state.cycle_largest_request, bytes);

  if (mode == DebugMode::SPILL_EVERYTHING) return spill(state, bytes, alignment, stream);

  void* pointer = state.strategy->fit(bytes, alignment);
  if (pointer == nullptr && state.sized && config_.reset == ResetPolicy::CYCLIC) {
    grow_ring(state, bytes);  // throws under FAIL, or returns unsized at max_size
    pointer = state.strategy->fit(bytes, alignment);
  }
  const std::size_t in_use = state.strategy->in_use();
  if (pointer != nullptr) {
    if (state.annotation_heap != nullptr)
      memory_annotations::register_region(state.annotation_heap, pointer, bytes);
    if (!state.strategy->frees_at_cycle_end()) {
      state.statistics.allocated_bytes_current = in_use;
      state.statistics.allocated_bytes_peak =
          std::max(state.statistics.allocated_bytes_peak, in_use);
    }
  }

  if (pointer == nullptr) {
    const bool learning_cycle = !state.sized;
    if (config_.spill == SpillPolicy::FAIL && !learning_cycle) {
      throw_cannot_fit(state, bytes, alignment, "the spill policy is FAIL");
    }
    return spill(state, bytes, alignment, stream);
  }
  ++state.statistics.allocation_count;
  MemoryTimeline::note(uid_, TimelineEvent::allocate, state.kind, bytes, in_use);
  return {pointer, lifetime_, epoch_base_ + cycle_};
}

ScopedAllocation Workspace::spill(KindState& state, std::size_t bytes, std::size_t alignment,
                                  Stream stream) {
  void* pointer = nullptr;
  try {
    pointer = state.resource->allocate(bytes, alignment, stream);
  } catch (const OutOfMemoryError& error) {
    throw_cannot_fit(state, bytes, alignment, error.what());
  }
  try {
    spills_.push_back(
        {pointer, bytes, alignment, cycle_, static_cast<int>(&state - kinds_.data())});
  } catch (...) {
    state.resource->deallocate(pointer, bytes, alignment, stream);
    throw;
  }
  state.spilled_this_cycle = true;
  ++state.statistics.spill_count;
  state.statistics.spilled_bytes += bytes;
  MemoryTimeline::note(uid_, TimelineEvent::spill, state.kind, bytes, state.strategy->in_use());
  return {pointer, lifetime_, epoch_base_ + cycle_};
}

void Workspace::free_spills_through(std::uint64_t cycle) {
  auto kept = spills_.begin();
  for (Spill& spill : spills_) {
    if (spill.cycle <= cycle) {
      kinds_[static_cast<std::size_t>(spill.kind_index)].resource->deallocate(
          spill.pointer, spill.bytes, spill.alignment);
    } else {
      *kept++ = spill;
    }
  }
  spills_.erase(kept, spills_.end());
}

void Workspace::note_stream(Stream stream) {
  if (!streams_this_cycle_.empty() && streams_this_cycle_.back() == stream)
    return;  // the usual case
  for (Stream seen : streams_this_cycle_) {
    if (seen == stream) return;
  }
  // The first use of `stream` in this cycle: it must not touch memory that the previous
  // cycle's other streams may still be using. A capture may not wait on fences recorded
  // outside it: its owner made the capturing stream wait for the others before it began.
  if (!fences_.empty() && !resources_.ordering->capturing(stream)) {
    for (const Fence& fence : fences_) {
      if (fence.stream != stream) resources_.ordering->wait(stream, fence.token);
    }
  }
  streams_this_cycle_.push_back(stream);
  last_stream_ = stream;
  fast_path_open_ = config_.reset == ResetPolicy::AT_SCOPE_EXIT && !annotate_;
}

void Workspace::wait_before_host_writes() {
  // The host writes pinned memory itself, outside any stream's order: the last cycle's
  // copies from this arena, on any stream (the same one included), must have read it
  // first. Once per cycle. (A CYCLIC ring reuses a region only after its consumer's
  // release, whose owner - the prefetcher - waits for the copy on the host.)
  if (config_.reset != ResetPolicy::AT_SCOPE_EXIT || host_waited_cycle_ == cycle_) return;
  for (const Fence& fence : fences_) resources_.ordering->synchronize(fence.token);
  host_waited_cycle_ = cycle_;
}

void Workspace::record_stream_use(Stream stream) {
  GYRE_CHECK(depth_ > 0, WorkspaceError, where(), "record_stream_use() needs an open cycle");
  note_stream(stream);
}

// ---- CYCLIC rings -------------------------------------------------------------------

void Workspace::release_through(std::uint64_t cycle, Stream consumer) {
  GYRE_CHECK(config_.reset == ResetPolicy::CYCLIC, WorkspaceError, where(),
             "release_through() is for CYCLIC workspaces; this one resets ",
             name_of(config_.reset));
  const std::uint64_t ended = cycles_ended_.load(std::memory_order_acquire);
  GYRE_CHECK(cycle < ended, WorkspaceError, where(), "cannot release cycle ", cycle,
             ": it has not ended (", ended, " cycle(s) have)");
  std::uint64_t below = released_below_.load(std::memory_order_acquire);
  if (cycle + 1 <= below) return;
  const std::uint64_t token = resources_.ordering->record(consumer);
  if (token != 0) {
    std::lock_guard<std::mutex> lock(release_mutex_);
    release_fences_.push_back({consumer, token});
    release_fences_pending_.store(true, std::memory_order_release);
  }
  lifetime_->end_cycles_before(cycle + 1);
  while (below < cycle + 1 &&
         !released_below_.compare_exchange_weak(below, cycle + 1, std::memory_order_acq_rel)) {
  }
  MemoryTimeline::note(uid_, TimelineEvent::release, kinds_.front().kind, 0, 0);
}

void Workspace::collect_released_cycles() {
  const std::uint64_t released = released_below_.load(std::memory_order_acquire);
  // Every ring allocation passes here: take the lock only when a fence is waiting.
  if (release_fences_pending_.exchange(false, std::memory_order_acq_rel)) {
    std::lock_guard<std::mutex> lock(release_mutex_);
    released_fences_.insert(released_fences_.end(), release_fences_.begin(), release_fences_.end());
    release_fences_.clear();
  }
  if (released <= released_seen_) return;
  released_seen_ = released;
  free_spills_through(released - 1);
  for (KindState& state : kinds_) state.strategy->release_before(released);
  update_reserved_bytes();
}

WorkspaceStatistics Workspace::statistics() const {
  WorkspaceStatistics result;
  result.id = id_;
  result.device = resources_.device;
  result.thread = thread_;
  result.reset = config_.reset;
  result.open = depth_ > 0;
  result.cycles = cycles_completed_;
  result.spilling_cycles = spilling_cycles_;
  for (const KindState& state : kinds_) {
    ArenaStatistics arena = state.statistics;
    arena.reserved_bytes = state.strategy->reserved_bytes();
    arena.largest_request = std::max(arena.largest_request, state.cycle_largest_request);
    if (state.bump != nullptr) {
      const std::size_t offset = state.bump->offset();
      arena.allocated_bytes_current = depth_ > 0 ? offset : 0;
      arena.allocated_bytes_peak =
          std::max(arena.allocated_bytes_peak, arena.allocated_bytes_current);
      arena.requested_bytes_current =
          depth_ == 0 ? 0 : (state.spilled_this_cycle ? state.cycle_demand : offset);
    } else {
      arena.requested_bytes_current = depth_ > 0 ? state.cycle_demand : 0;
    }
    result.arenas.push_back(arena);
  }
  return result;
}

}  // namespace gyre
