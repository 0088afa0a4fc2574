#pragma once
// A process-wide memory timeline: allocations, spills, resets, resizes and releases of every
// workspace over time, exported as Chrome trace-event JSON (opens in Perfetto and
// chrome://tracing). Off by default; when on, records go into a buffer sized at start(), so
// recording never allocates (records beyond the capacity are counted and dropped).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/device.h"
#include "runtime/memory_resource.h"

namespace gyre {

enum class TimelineEvent : std::uint8_t { allocate, spill, reset, resize, release, trim };
const char* name_of(TimelineEvent event);

class MemoryTimeline {
 public:
  static MemoryTimeline& instance();

  /// Starts recording (clearing earlier records) with room for `capacity` records.
  void start(std::size_t capacity = std::size_t{1} << 20);
  void stop();
  /// One relaxed load: callers on hot paths test this before calling record().
  static bool recording() { return recording_.load(std::memory_order_relaxed); }
  /// Records only when the timeline is on (one relaxed load otherwise).
  static void note(std::uint64_t uid, TimelineEvent event, MemoryKind kind, std::uint64_t bytes,
                   std::uint64_t in_use) {
    if (recording()) instance().record(uid, event, kind, bytes, in_use);
  }

  /// Names a workspace for the export (its uid is what records carry).
  void name_workspace(std::uint64_t uid, const std::string& id, Device device, int thread);
  /// The workspace is gone: its name is dropped once no record still needs it, so that
  /// creating and destroying workspaces in a loop keeps the timeline's size flat.
  void forget_workspace(std::uint64_t uid);
  /// Workspace names held (for soak tests).
  std::size_t names() const;
  /// `bytes`: the event's size; `in_use`: the workspace's bytes in use of that kind after it.
  void record(std::uint64_t uid, TimelineEvent event, MemoryKind kind, std::uint64_t bytes,
              std::uint64_t in_use);

  std::size_t size() const;
  std::uint64_t dropped() const;
  std::string to_chrome_trace() const;
  /// Writes the trace to `path` atomically (temporary file + rename).
  void write_chrome_trace(const std::string& path) const;

 private:
  struct Record {
    std::uint64_t time_ns;
    std::uint64_t uid;
    std::uint64_t bytes;
    std::uint64_t in_use;
    TimelineEvent event;
    MemoryKind kind;
  };
  struct Name {
    std::uint64_t uid;
    std::string id;
    Device device;
    int thread;
    bool alive;
  };

  static std::atomic<bool> recording_;
  mutable std::mutex mutex_;
  std::vector<Record> records_;
  std::vector<Name> names_;
  std::size_t capacity_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t start_ns_ = 0;
};

}  // namespace gyre
