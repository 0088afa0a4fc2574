#include "workspace/memory_timeline.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/error.h"

namespace gyre {
namespace {
std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}
}  // namespace

const char* name_of(TimelineEvent event) {
  switch (event) {
    case TimelineEvent::allocate:
      return "allocate";
    case TimelineEvent::spill:
      return "spill";
    case TimelineEvent::reset:
      return "reset";
    case TimelineEvent::resize:
      return "resize";
    case TimelineEvent::release:
      return "release";
    case TimelineEvent::trim:
      return "trim";
  }
  return "?";
}

std::atomic<bool> MemoryTimeline::recording_{false};

MemoryTimeline& MemoryTimeline::instance() {
  static MemoryTimeline timeline;
  return timeline;
}

void MemoryTimeline::start(std::size_t capacity) {
  std::lock_guard<std::mutex> lock(mutex_);
  records_ = std::vector<Record>();
  records_.reserve(capacity);
  names_.erase(
      std::remove_if(names_.begin(), names_.end(), [](const Name& name) { return !name.alive; }),
      names_.end());
  capacity_ = capacity;
  dropped_ = 0;
  start_ns_ = now_ns();
  recording_.store(true, std::memory_order_relaxed);
}

void MemoryTimeline::stop() {
  recording_.store(false, std::memory_order_relaxed);
}

void MemoryTimeline::name_workspace(std::uint64_t uid, const std::string& id, Device device,
                                    int thread) {
  std::lock_guard<std::mutex> lock(mutex_);
  names_.push_back({uid, id, device, thread, true});
}

void MemoryTimeline::forget_workspace(std::uint64_t uid) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto name = std::find_if(names_.begin(), names_.end(),
                           [&](const Name& candidate) { return candidate.uid == uid; });
  if (name == names_.end()) return;
  if (records_.empty()) {
    names_.erase(name);  // no record to label: drop it now
  } else {
    name->alive = false;  // kept for the export; start() drops it
  }
}

std::size_t MemoryTimeline::names() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return names_.size();
}

void MemoryTimeline::record(std::uint64_t uid, TimelineEvent event, MemoryKind kind,
                            std::uint64_t bytes, std::uint64_t in_use) {
  if (!recording()) return;
  const std::uint64_t time = now_ns();
  std::lock_guard<std::mutex> lock(mutex_);
  if (records_.size() >= capacity_) {
    ++dropped_;  // never grow while recording: the hot path must not allocate
    return;
  }
  records_.push_back({time, uid, bytes, in_use, event, kind});
}

std::size_t MemoryTimeline::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return records_.size();
}

std::uint64_t MemoryTimeline::dropped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

std::string MemoryTimeline::to_chrome_trace() const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto find_name = [&](std::uint64_t uid) -> const Name* {
    for (auto it = names_.rbegin(); it != names_.rend(); ++it) {
      if (it->uid == uid) return &*it;
    }
    return nullptr;
  };
  nlohmann::json events = nlohmann::json::array();
  for (const Record& record : records_) {
    const Name* name = find_name(record.uid);
    const std::string label = name != nullptr ? strcat(name->id, " (", name->device, ")")
                                              : strcat("workspace #", record.uid);
    const int thread = name != nullptr ? name->thread : 0;
    const double ts = static_cast<double>(record.time_ns - start_ns_) / 1000.0;
    // A counter track per workspace and memory kind: its bytes in use over time.
    events.push_back({{"name", label},
                      {"ph", "C"},
                      {"ts", ts},
                      {"pid", 1},
                      {"tid", thread},
                      {"args", {{strcat(name_of(record.kind), "_bytes_in_use"), record.in_use}}}});
    if (record.event != TimelineEvent::allocate) {
      events.push_back({{"name", strcat(name_of(record.event), " ", label)},
                        {"cat", "workspace"},
                        {"ph", "i"},
                        {"s", "t"},
                        {"ts", ts},
                        {"pid", 1},
                        {"tid", thread},
                        {"args", {{"bytes", record.bytes}, {"kind", name_of(record.kind)}}}});
    }
  }
  return nlohmann::json{{"traceEvents", events},
                        {"displayTimeUnit", "ns"},
                        {"otherData", {{"dropped_records", dropped_}}}}
      .dump();
}

void MemoryTimeline::write_chrome_trace(const std::string& path) const {
  const std::string text = to_chrome_trace();
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    GYRE_CHECK(out.good(), InvalidArgumentError, "cannot write the memory timeline to '", temporary,
               "'");
    out << text;
    out.flush();
    GYRE_CHECK(out.good(), InvalidArgumentError, "writing the memory timeline to '", temporary,
               "' failed (disk full?)");
  }
  GYRE_CHECK(std::rename(temporary.c_str(), path.c_str()) == 0, InvalidArgumentError,
             "cannot rename '", temporary, "' to '", path, "'");
}

}  // namespace gyre
