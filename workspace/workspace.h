#pragma once
// Workspace: a named, per-thread, per-device set of arenas (one per memory kind) with its
// policies and statistics (docs/workspaces.md). How each arena is handed out is its
// strategy's: a pointer bump whose offset returns to 0 at the end of a cycle, when every
// tensor of the cycle becomes invalid (AT_SCOPE_EXIT, BumpAllocator), or a ring whose
// cycles stay valid until their consumer releases them (CYCLIC, RingAllocator). A cycle runs
// from the opening of the outermost scope to its close. Arenas reserve their addresses and
// grow in place where the memory allows it (Arena, ReservedRange).
//
// A workspace belongs to one thread: enter/leave/allocate are not synchronized. Only
// release_through() (CYCLIC) may be called from another thread.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/memory_resource.h"
#include "runtime/memory_scope.h"
#include "workspace/arena_strategy.h"
#include "workspace/bump_allocator.h"
#include "workspace/debug_mode.h"
#include "workspace/memory_timeline.h"
#include "workspace/stream_ordering.h"
#include "workspace/workspace_config.h"
#include "workspace/workspace_statistics.h"

namespace gyre {

class WorkspaceLifetime;

/// Where a workspace's memory comes from. The defaults (make_default) are the real
/// resources of the device; tests inject fakes (device memory as host addresses, a
/// recording stream ordering).
struct WorkspaceResources {
  Device device;
  MemoryResource* primary = nullptr;  // device memory on CUDA, host memory on the CPU
  MemoryResource* mirror = nullptr;   // pinned host memory (DEVICE_AND_PINNED_HOST / HOST_ONLY)
  StreamOrdering* ordering = nullptr;

  /// The process's resources for `device` (created on first use, never destroyed).
  static WorkspaceResources make_default(Device device);
};

class Workspace final : public MemoryScope {
 public:
  Workspace(std::string id, const WorkspaceConfig& config, Device device);
  Workspace(std::string id, const WorkspaceConfig& config, const WorkspaceResources& resources);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::string& id() const { return id_; }
  Device device() const { return resources_.device; }
  const WorkspaceConfig& config() const { return config_; }
  /// Gyre's index of the thread that created (and owns) the workspace.
  int thread() const { return thread_; }
  /// A process-unique number; never reused, even after destruction.
  std::uint64_t uid() const { return uid_; }
  /// How many times an arena of any workspace on `device` moved or gave memory back
  /// (replaced, shrunk by trim, destroyed), process-wide; a stable arena that grows in place
  /// does not count. A captured CUDA graph holds arena addresses: it is stale once this
  /// number changes.
  static std::uint64_t arena_moves(Device device);

  // ---- scopes (WorkspaceManager drives these; tests may call them directly) ----
  /// Opens a cycle, or re-enters the open one (a borrow: no new cycle).
  void enter();
  /// Closes one entry; closing the last one ends the cycle. Never throws (a failure to
  /// resize is logged and leaves the workspace usable, unsized).
  void leave() noexcept;
  bool is_open() const { return depth_ > 0; }
  int depth() const { return depth_; }
  /// The number of the open cycle, or of the next one when closed.
  std::uint64_t cycle() const { return cycle_; }
  /// The epoch that tags the tensors of `cycle` (its lifetime record may have served an
  /// earlier workspace, so epochs start above that one's).
  std::uint64_t epoch_of(std::uint64_t cycle) const { return epoch_base_ + cycle; }

  // ---- allocation ----
  bool owns(const Lifetime* lifetime) const override;
  /// Bytes of arena memory held now (readable from any thread, for the registry).
  std::size_t reserved_bytes() const { return reserved_bytes_.load(std::memory_order_relaxed); }

  /// Memory for a tensor in the primary arena (MemoryScope). Inline fast path: a bump in an
  /// arena that has room, on the stream of the previous allocation, with no spill, debug
  /// mode or timeline in play; everything else takes allocate_slow().
  ScopedAllocation allocate(std::size_t bytes, std::size_t alignment, Stream stream) override {
    KindState& state = kinds_.front();
    if (fast_path_open_ && !state.spilled_this_cycle && alignment <= config_.alignment &&
        alignment != 0 && (alignment & (alignment - 1)) == 0 && stream == last_stream_ &&
        detail::debug_mode_state.load(std::memory_order_relaxed) == 0 &&
        !MemoryTimeline::recording()) {
      if (void* pointer = state.bump->bump(bytes, config_.alignment)) {
        if (bytes > state.cycle_largest_request) state.cycle_largest_request = bytes;
        ++state.statistics.allocation_count;
        return {pointer, lifetime_as_base_, epoch_base_ + cycle_};
      }
    }
    return allocate_slow(bytes, alignment, stream);
  }
  /// Memory of `kind` (the primary kind, or pinned_host for a mirrored workspace).
  ScopedAllocation allocate(std::size_t bytes, MemoryKind kind, std::size_t alignment,
                            Stream stream);
  /// Memory of this cycle is used on `stream` too (like PyTorch's record_stream): at the
  /// cycle's end a fence is recorded there, and the next cycle's first allocation on
  /// another stream waits for it.
  void record_stream_use(Stream stream);
  /// The kinds this workspace has arenas for.
  const std::vector<MemoryKind>& kinds() const { return kind_list_; }

  // ---- CYCLIC rings ----
  /// The consumer is done with every cycle up to and including `cycle`: their tensors
  /// become invalid and their region may be reused once `consumer`'s work so far is done.
  /// Thread-safe (the consumer is usually another thread).
  void release_through(std::uint64_t cycle, Stream consumer = {});

  // ---- sizing ----
  /// Shrinks each arena to the size learned from the cycles since the last trim (it never
  /// grows one: adopt_learned_size does); the bytes freed. Only while closed.
  std::size_t trim();
  /// Allocates each arena at `bytes` now and ends learning (warm start).
  void adopt_learned_size(MemoryKind kind, std::size_t bytes);
  std::size_t learned_size(MemoryKind kind) const;

  WorkspaceStatistics statistics() const;
  /// The Lifetime record of this workspace's tensors (outlives the workspace).
  const Lifetime& lifetime() const;

 private:
  struct Spill {
    void* pointer;
    std::size_t bytes;
    std::size_t alignment;
    std::uint64_t cycle;
    int kind_index;
  };
  struct Fence {
    Stream stream;
    std::uint64_t token;
  };
  struct KindState {
    MemoryKind kind = MemoryKind::host;
    MemoryResource* resource = nullptr;
    std::unique_ptr<ArenaStrategy> strategy;
    BumpAllocator* bump = nullptr;  // the strategy, when it bumps (the fast path's)
    std::size_t cycle_demand = 0;   // bump offset the cycle would reach, spills included
    std::size_t peak_demand_since_trim = 0;
    bool spilled_this_cycle = false;
    bool sized = false;  // learning has run (or warm start)
    std::size_t cycle_largest_request = 0;
    std::uint64_t over_time_spilling_cycles = 0;
    void* annotation_heap = nullptr;  // NVTX heap of the arena, when annotating
    ArenaStatistics statistics;
    const Arena& arena() const { return strategy->arena(); }
  };

  ScopedAllocation allocate_slow(std::size_t bytes, std::size_t alignment, Stream stream);
  KindState& state_for(MemoryKind kind);
  const KindState& state_for(MemoryKind kind) const;
  ScopedAllocation allocate_in(KindState& state, std::size_t bytes, std::size_t alignment,
                               Stream stream, DebugMode mode);
  ScopedAllocation spill(KindState& state, std::size_t bytes, std::size_t alignment, Stream stream);
  void grow_ring(KindState& state, std::size_t bytes);
  void collect_released_cycles();
  void end_cycle();
  void apply_learning(KindState& state);
  void resize(KindState& state, std::size_t bytes);
  void free_spills_through(std::uint64_t cycle);
  void note_stream(Stream stream);
  void wait_before_host_writes();
  [[noreturn]] void throw_cannot_fit(const KindState& state, std::size_t bytes,
                                     std::size_t alignment, const char* reason) const;
  std::string where() const;
  void update_reserved_bytes();
  static void note_arena_moved(Device device);

  std::string id_;
  WorkspaceConfig config_;
  WorkspaceResources resources_;
  int thread_;
  std::uint64_t uid_;
  WorkspaceLifetime* lifetime_ = nullptr;  // owned by the lifetime registry, never freed
  const Lifetime* lifetime_as_base_ = nullptr;
  std::uint64_t epoch_base_ = 0;  // tags carry epoch_base_ + cycle (the record may be reused)

  int depth_ = 0;
  bool fast_path_open_ = false;  // open, AT_SCOPE_EXIT, not annotating, a stream noted this cycle
  bool annotate_ = false;        // announce device arenas to CUDA tools (NVTX)
  Stream last_stream_;
  std::uint64_t cycle_ = 0;
  std::uint64_t cycles_completed_ = 0;
  std::uint64_t spilling_cycles_ = 0;
  int consecutive_spilling_cycles_ = 0;
  std::uint64_t resizes_at_last_cycle_ = 0;
  bool warned_spilling_ = false;

  std::vector<KindState> kinds_;
  std::vector<MemoryKind> kind_list_;
  std::vector<Spill> spills_;
  std::vector<Stream> streams_this_cycle_;
  std::vector<Fence> fences_;
  std::uint64_t host_waited_cycle_ = ~std::uint64_t{0};  // wait_before_host_writes() done
  std::uint64_t released_seen_ = 0;                      // CYCLIC: releases collected so far
  std::vector<Fence> released_fences_;  // producer's copy of the consumer's release fences

  // CYCLIC release, written by the consumer thread.
  std::atomic<std::uint64_t> released_below_{0};
  std::atomic<std::uint64_t> cycles_ended_{0};  // read by the consumer thread
  std::atomic<std::size_t> reserved_bytes_{0};  // read by the registry
  std::mutex release_mutex_;
  std::vector<Fence> release_fences_;
  std::atomic<bool> release_fences_pending_{false};  // set after a push: collect skips the lock
};

/// A small, stable number for the calling thread (1, 2, ...), for messages and statistics.
int thread_index();

}  // namespace gyre
