#include "workspace/workspace_manager.h"

#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "runtime/error.h"
#include "runtime/log.h"

namespace gyre {
namespace {

// This thread's managers, one per device; destroyed (with their workspaces) at thread exit.
struct ThreadManagers {
  std::unique_ptr<WorkspaceManager> by_device[kMaxDevices];
};

ThreadManagers& thread_managers() {
  thread_local ThreadManagers managers;
  return managers;
}

// Warm-start sizes: (id, device, kind) -> bytes, process-wide.
struct LearnedSizes {
  std::mutex mutex;
  std::map<std::string, std::size_t> sizes;
};

LearnedSizes& learned_sizes() {
  static auto* instance = new LearnedSizes();
  return *instance;
}

std::string learned_key(std::string_view id, Device device, MemoryKind kind) {
  return strcat(id, "|", device, "|", name_of(kind));
}

MemoryScope* find_open_workspace(Device device, std::string_view id) {
  Workspace* workspace = WorkspaceManager::for_device(device).get(id);
  return workspace != nullptr && workspace->is_open() ? workspace : nullptr;
}

// Installs the finder Tensor::leverage_to() uses, once this layer is linked in.
const bool finder_installed = [] {
  MemoryScope::set_finder(&find_open_workspace);
  return true;
}();

}  // namespace

bool operator==(const WorkspaceConfig& a, const WorkspaceConfig& b) {
  return a.initial_size == b.initial_size && a.max_size == b.max_size && a.min_size == b.min_size &&
         a.overallocation == b.overallocation && a.learning == b.learning &&
         a.cycles_before_resize == b.cycles_before_resize && a.allocation == b.allocation &&
         a.spill == b.spill && a.reset == b.reset && a.mirroring == b.mirroring &&
         a.location == b.location && a.mmap_path == b.mmap_path && a.alignment == b.alignment;
}

// ---- scopes ---------------------------------------------------------------------------

WorkspaceScope::WorkspaceScope(WorkspaceScope&& other) noexcept
    : manager_(std::exchange(other.manager_, nullptr)),
      workspace_(other.workspace_),
      token_(other.token_) {}

WorkspaceScope& WorkspaceScope::operator=(WorkspaceScope&& other) noexcept {
  if (this != &other) {
    close();
    manager_ = std::exchange(other.manager_, nullptr);
    workspace_ = other.workspace_;
    token_ = other.token_;
  }
  return *this;
}

void WorkspaceScope::close() noexcept {
  if (manager_ != nullptr) std::exchange(manager_, nullptr)->close(token_);
}

// ---- manager --------------------------------------------------------------------------

WorkspaceManager& WorkspaceManager::current() {
  return for_device(current_device());
}

WorkspaceManager& WorkspaceManager::for_device(Device device) {
  check_device(device);
  (void)finder_installed;
  std::unique_ptr<WorkspaceManager>& slot = thread_managers().by_device[device_slot(device)];
  if (!slot) slot = std::make_unique<WorkspaceManager>(device);
  return *slot;
}

WorkspaceManager::WorkspaceManager(Device device) : device_(device) {
  stack_.reserve(16);
}

WorkspaceManager::~WorkspaceManager() {
  // Thread exit: the workspaces go with the thread (no deferred release).
  if (!stack_.empty()) MemoryScope::exchange_current(device_, nullptr);
  stack_.clear();
  workspaces_.clear();
}

WorkspaceScope WorkspaceManager::activate(std::string_view id, const WorkspaceConfig& config) {
  return open(&get_or_create(id, config));
}

Workspace& WorkspaceManager::get_or_create(std::string_view id, const WorkspaceConfig& config) {
  auto found = workspaces_.find(id);
  if (found == workspaces_.end()) return create(id, config);
  GYRE_CHECK(found->second->config() == config, WorkspaceError, "workspace '", id, "' (", device_,
             ", thread ", thread_index(),
             ") already exists with another configuration; use the same WorkspaceConfig, "
             "activate it by id alone, or destroy() it first");
  return *found->second;
}

WorkspaceScope WorkspaceManager::activate(std::string_view id) {
  auto found = workspaces_.find(id);
  return open(found != workspaces_.end() ? found->second.get() : &create(id, WorkspaceConfig{}));
}

WorkspaceScope WorkspaceManager::scope_out() {
  return open(nullptr);
}

Workspace& WorkspaceManager::create(std::string_view id, const WorkspaceConfig& config) {
  auto workspace = std::make_unique<Workspace>(std::string(id), config, device_);
  {
    LearnedSizes& learned = learned_sizes();
    std::lock_guard<std::mutex> lock(learned.mutex);
    for (MemoryKind kind : workspace->kinds()) {
      auto size = learned.sizes.find(learned_key(id, device_, kind));
      if (size != learned.sizes.end() && config.location == LocationPolicy::RAM) {
        workspace->adopt_learned_size(kind, size->second);
        GYRE_LOG(workspace, debug, "workspace '", id, "' (", device_, ") warm-started at ",
                 size->second, " bytes of ", name_of(kind));
      }
    }
  }
  Workspace& result = *workspace;
  workspaces_.emplace(std::string(id), std::move(workspace));
  return result;
}

WorkspaceScope WorkspaceManager::open(Workspace* workspace) {
  const std::uint64_t token = next_token_++;
  stack_.push_back({token, workspace});  // capacity reserved: no allocation in the steady state
  if (workspace != nullptr) {
    try {
      workspace->enter();
    } catch (...) {
      stack_.pop_back();
      throw;
    }
  }
  MemoryScope::exchange_current(device_, workspace);
  return WorkspaceScope(this, workspace, token);
}

void WorkspaceManager::close(std::uint64_t token) noexcept {
  for (auto entry = stack_.rbegin(); entry != stack_.rend(); ++entry) {
    if (entry->token != token) continue;
    Workspace* workspace = entry->workspace;
    stack_.erase(std::next(entry).base());
    if (workspace != nullptr) workspace->leave();
    make_top_current();
    return;
  }
  GYRE_LOG(workspace, error, "a workspace scope on ", device_,
           " was closed twice or after its "
           "workspace was destroyed; ignored");
}

void WorkspaceManager::make_top_current() noexcept {
  MemoryScope::exchange_current(device_, stack_.empty() ? nullptr : stack_.back().workspace);
}

Workspace* WorkspaceManager::get(std::string_view id) const {
  auto found = workspaces_.find(id);
  return found != workspaces_.end() ? found->second.get() : nullptr;
}

Workspace* WorkspaceManager::current_workspace() const {
  return stack_.empty() ? nullptr : stack_.back().workspace;
}

void WorkspaceManager::destroy(std::string_view id) {
  auto found = workspaces_.find(id);
  GYRE_CHECK(found != workspaces_.end(), WorkspaceError, "cannot destroy workspace '", id, "' on ",
             device_, ": this thread has no workspace of that id");
  GYRE_CHECK(!found->second->is_open(), WorkspaceError, "cannot destroy workspace '", id, "' on ",
             device_, ": ", found->second->depth(), " scope(s) of it are open; close them first");
  workspaces_.erase(found);
}

void WorkspaceManager::destroy_all() {
  for (const auto& [id, workspace] : workspaces_) {
    GYRE_CHECK(!workspace->is_open(), WorkspaceError,
               "cannot destroy the workspaces of this thread on ", device_, ": workspace '", id,
               "' has an open scope; close it first");
  }
  workspaces_.clear();
}

void WorkspaceManager::destroy_all_for_current_thread() {
  for (auto& manager : thread_managers().by_device) {
    if (manager) manager->destroy_all();
  }
}

std::size_t WorkspaceManager::trim() {
  std::size_t freed = 0;
  for (const auto& [id, workspace] : workspaces_) {
    if (!workspace->is_open()) freed += workspace->trim();
  }
  return freed;
}

std::vector<WorkspaceStatistics> WorkspaceManager::statistics() const {
  std::vector<WorkspaceStatistics> result;
  for (const auto& [id, workspace] : workspaces_) result.push_back(workspace->statistics());
  return result;
}

std::string WorkspaceManager::statistics_json() const {
  return statistics_to_json(statistics());
}

void WorkspaceManager::print_allocation_statistics(std::ostream& out) const {
  print_statistics_table(out, statistics());
}

// ---- warm start -----------------------------------------------------------------------

void WorkspaceManager::save_learned_sizes(const std::string& path) {
  nlohmann::json entries = nlohmann::json::array();
  for (auto& manager : thread_managers().by_device) {
    if (!manager) continue;
    for (const auto& [id, workspace] : manager->workspaces_) {
      for (MemoryKind kind : workspace->kinds()) {
        const std::size_t size = workspace->learned_size(kind);
        if (size == 0) continue;
        entries.push_back({{"id", id},
                           {"device", manager->device_.to_string()},
                           {"kind", name_of(kind)},
                           {"bytes", size}});
      }
    }
  }
  const std::string text =
      nlohmann::json{{"gyre_learned_sizes", 1}, {"workspaces", entries}}.dump(2);
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    GYRE_CHECK(out.good(), WorkspaceError, "cannot write learned workspace sizes to '", temporary,
               "'");
  }
  GYRE_CHECK(std::rename(temporary.c_str(), path.c_str()) == 0, WorkspaceError, "cannot rename '",
             temporary, "' to '", path, "'");
}

void WorkspaceManager::load_learned_sizes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  GYRE_CHECK(in.good(), WorkspaceError, "cannot read learned workspace sizes from '", path, "'");
  std::stringstream text;
  text << in.rdbuf();
  std::map<std::string, std::size_t> sizes = parse_learned_sizes(text.str(), path);
  LearnedSizes& learned = learned_sizes();
  std::lock_guard<std::mutex> lock(learned.mutex);
  learned.sizes = std::move(sizes);
}

std::map<std::string, std::size_t> WorkspaceManager::parse_learned_sizes(const std::string& text,
                                                                         const std::string& path) {
  const nlohmann::json document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const auto fail = [&](const std::string& why) {
    throw WorkspaceError(strcat("'", path, "' is not a learned-sizes file of Gyre: ", why,
                                "; write it with WorkspaceManager::save_learned_sizes()"));
  };
  if (document.is_discarded()) fail("it is not valid JSON (truncated?)");
  if (!document.is_object() || !document.contains("gyre_learned_sizes") ||
      !document.contains("workspaces") || !document["workspaces"].is_array()) {
    fail("it lacks \"gyre_learned_sizes\" and a \"workspaces\" array");
  }
  std::map<std::string, std::size_t> sizes;
  for (const nlohmann::json& entry : document["workspaces"]) {
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string() ||
        !entry.contains("device") || !entry["device"].is_string() || !entry.contains("kind") ||
        !entry["kind"].is_string() || !entry.contains("bytes") ||
        !entry["bytes"].is_number_unsigned()) {
      fail(strcat("an entry is not {id, device, kind, bytes}: ", entry.dump()));
    }
    const std::string kind = entry["kind"].get<std::string>();
    MemoryKind memory_kind = MemoryKind::host;
    if (kind == "device")
      memory_kind = MemoryKind::device;
    else if (kind == "pinned_host")
      memory_kind = MemoryKind::pinned_host;
    else if (kind != "host")
      fail(strcat("unknown memory kind '", kind, "'"));
    Device device;
    try {
      device = Device::parse(entry["device"].get<std::string>());
    } catch (const Error& error) {
      fail(error.what());
    }
    sizes[learned_key(entry["id"].get<std::string>(), device, memory_kind)] =
        entry["bytes"].get<std::size_t>();
  }
  return sizes;
}

void WorkspaceManager::clear_learned_sizes() {
  LearnedSizes& learned = learned_sizes();
  std::lock_guard<std::mutex> lock(learned.mutex);
  learned.sizes.clear();
}

}  // namespace gyre
