// What workspaces read and write: the memory timeline, warm-start sizes, MMAP arenas.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/error.h"
#include "runtime/tensor.h"
#include "workspace/memory_timeline.h"
#include "workspace/workspace_manager.h"

using namespace gyre;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {
fs::path temporary_path(const std::string& name) {
  return fs::temp_directory_path() / ("gyre-test-" + std::to_string(::getpid()) + "-" + name);
}
std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}
}  // namespace

TEST_CASE("the memory timeline exports Chrome trace events per workspace",
          "[workspace][timeline]") {
  WorkspaceManager::destroy_all_for_current_thread();
  MemoryTimeline& timeline = MemoryTimeline::instance();
  timeline.start(1000);
  for (int i = 0; i < 3; ++i) {
    WorkspaceScope scope = WorkspaceManager::current().activate("WS_TRACE");
    Tensor::empty({100});
    Tensor::empty({50});
  }
  timeline.stop();
  // A workspace destroyed before the export still has its name in the trace.
  WorkspaceManager::destroy_all_for_current_thread();
  const std::size_t records = timeline.size();
  // cycle 0: two spills + reset + resize; cycles 1, 2: two allocations + reset each
  CHECK(records == 4 + 3 + 3);
  const fs::path path = temporary_path("trace.json");
  timeline.write_chrome_trace(path.string());
  const nlohmann::json trace = nlohmann::json::parse(read_text(path));
  fs::remove(path);
  REQUIRE(trace.contains("traceEvents"));
  int counters = 0, spills = 0, resets = 0, resizes = 0;
  for (const nlohmann::json& event : trace["traceEvents"]) {
    REQUIRE(event.contains("ph"));
    REQUIRE(event.contains("ts"));
    const std::string name = event["name"];
    if (event["ph"] == "C") {
      ++counters;
      CHECK(name == "WS_TRACE (cpu:0)");
    }
    if (name.rfind("spill ", 0) == 0) ++spills;
    if (name.rfind("reset ", 0) == 0) ++resets;
    if (name.rfind("resize ", 0) == 0) ++resizes;
  }
  CHECK(counters == static_cast<int>(records));
  CHECK(spills == 2);
  CHECK(resets == 3);
  CHECK(resizes == 1);

  timeline.start(2);  // a full buffer drops and counts, never grows
  {
    WorkspaceScope scope = WorkspaceManager::current().activate("WS_TRACE");
    for (int i = 0; i < 5; ++i) Tensor::empty({10});
  }
  timeline.stop();
  CHECK(timeline.size() == 2);
  CHECK(timeline.dropped() == 5);  // a fresh workspace: five spills, a reset and a resize
  WorkspaceManager::destroy_all_for_current_thread();

  // Names of destroyed workspaces go once no record needs them: a create/destroy loop
  // keeps the timeline flat.
  timeline.start(0);
  const std::size_t names = timeline.names();
  for (int round = 0; round < 50; ++round) {
    { WorkspaceScope scope = WorkspaceManager::current().activate("WS_LOOP"); }
    WorkspaceManager::destroy_all_for_current_thread();
  }
  timeline.stop();
  CHECK(timeline.names() == names);
}

TEST_CASE("learned sizes warm-start the next run and skip its learning cycle",
          "[workspace][warm-start]") {
  WorkspaceManager::destroy_all_for_current_thread();
  const fs::path path = temporary_path("sizes.json");
  {
    WorkspaceScope scope = WorkspaceManager::current().activate("WS_WARM");
    Tensor::empty({1000});
  }
  const std::size_t learned =
      WorkspaceManager::current().get("WS_WARM")->learned_size(MemoryKind::host);
  CHECK(learned > 0);
  WorkspaceManager::save_learned_sizes(path.string());
  WorkspaceManager::destroy_all_for_current_thread();

  WorkspaceManager::load_learned_sizes(path.string());
  {
    WorkspaceScope scope = WorkspaceManager::current().activate("WS_WARM");
    Tensor::empty({1000});
  }
  const WorkspaceStatistics statistics = WorkspaceManager::current().get("WS_WARM")->statistics();
  CHECK(statistics.arenas[0].spill_count == 0);  // no learning cycle
  CHECK(statistics.arenas[0].reserved_bytes == learned);
  CHECK(statistics.arenas[0].resize_count == 1);  // allocated once, at its final size
  WorkspaceManager::clear_learned_sizes();
  WorkspaceManager::destroy_all_for_current_thread();
  fs::remove(path);
}

TEST_CASE("a bad learned-sizes file is a clear error, never a crash", "[workspace][warm-start]") {
  const fs::path path = temporary_path("bad-sizes.json");
  CHECK_THROWS_WITH(WorkspaceManager::load_learned_sizes(path.string()), Contains("cannot read"));
  const char* bad_files[] = {
      "{\"gyre_learned_sizes\": 1, \"workspaces\": [{\"id\": \"A\"",  // truncated
      "[1, 2, 3]",
      "{\"gyre_learned_sizes\": 1, \"workspaces\": [{\"id\": \"A\", \"device\": \"cpu:0\", "
      "\"kind\": \"host\", \"bytes\": -5}]}",
      "{\"gyre_learned_sizes\": 1, \"workspaces\": [{\"id\": \"A\", \"device\": \"gpu:9\", "
      "\"kind\": \"host\", \"bytes\": 5}]}",
      "{\"gyre_learned_sizes\": 1, \"workspaces\": [{\"id\": \"A\", \"device\": \"cpu:0\", "
      "\"kind\": \"disk\", \"bytes\": 5}]}",
      "",
  };
  for (const char* text : bad_files) {
    INFO(text);
    write_text(path, text);
    CHECK_THROWS_AS(WorkspaceManager::load_learned_sizes(path.string()), WorkspaceError);
    CHECK_THROWS_WITH(WorkspaceManager::load_learned_sizes(path.string()), Contains(path.string()));
  }
  fs::remove(path);
}

TEST_CASE("an MMAP workspace keeps its arena in a file", "[workspace][mmap]") {
  const fs::path path = temporary_path("arena.bin");
  WorkspaceConfig config;
  config.location = LocationPolicy::MMAP;
  config.learning = LearningPolicy::NONE;
  config.initial_size = 1 << 16;
  config.mmap_path = path.string();
  {
    Workspace workspace("WS_MMAP", config, Device::cpu());
    CHECK(fs::file_size(path) == 1 << 16);
    workspace.enter();
    const ScopedAllocation allocation = workspace.allocate(4, 256, Stream());
    std::memcpy(allocation.data, "gyre", 4);
    workspace.leave();
    CHECK(workspace.statistics().arenas[0].reserved_bytes == 1 << 16);
  }
  CHECK(read_text(path).substr(0, 4) == "gyre");  // the data went to the file
  fs::remove(path);
  config.mmap_path.clear();  // an anonymous temporary file
  Workspace anonymous("WS_MMAP_TMP", config, Device::cpu());
  anonymous.enter();
  CHECK(anonymous.allocate(1 << 15, 256, Stream()).data != nullptr);
  anonymous.leave();
  config.mmap_path = "/nonexistent-dir/arena.bin";
  CHECK_THROWS_WITH(Workspace("WS_BAD", config, Device::cpu()),
                    Contains("/nonexistent-dir/arena.bin"));
}
