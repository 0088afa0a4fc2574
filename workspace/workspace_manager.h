#pragma once
// WorkspaceManager: the workspaces of one thread on one device, and the stack of scopes
// open on that thread. activate() returns an RAII scope; scopes nest, may re-enter an open
// workspace (a borrow: no new cycle), and may close in any order: closing one restores the
// innermost scope still open. scope_out() opens a scope in which new tensors are detached.
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workspace/workspace.h"

namespace gyre {

class WorkspaceManager;

/// An open scope: a workspace activation, or a scope-out. Closing it (destruction or
/// close()) never throws.
class [[nodiscard]] WorkspaceScope {
 public:
  /// A closed scope (holds nothing); a scope can be moved into it.
  WorkspaceScope() = default;
  WorkspaceScope(WorkspaceScope&& other) noexcept;
  WorkspaceScope& operator=(WorkspaceScope&& other) noexcept;
  WorkspaceScope(const WorkspaceScope&) = delete;
  WorkspaceScope& operator=(const WorkspaceScope&) = delete;
  ~WorkspaceScope() { close(); }

  /// The workspace this scope activated (null for a scope-out).
  Workspace* workspace() const { return workspace_; }
  Workspace* operator->() const { return workspace_; }
  void close() noexcept;

 private:
  friend class WorkspaceManager;
  WorkspaceScope(WorkspaceManager* manager, Workspace* workspace, std::uint64_t token)
      : manager_(manager), workspace_(workspace), token_(token) {}

  WorkspaceManager* manager_ = nullptr;
  Workspace* workspace_ = nullptr;
  std::uint64_t token_ = 0;
};

class WorkspaceManager {
 public:
  /// This thread's manager for the current device.
  static WorkspaceManager& current();
  /// This thread's manager for `device` (created on first use, destroyed at thread exit
  /// with all its workspaces).
  static WorkspaceManager& for_device(Device device);

  explicit WorkspaceManager(Device device);
  ~WorkspaceManager();
  WorkspaceManager(const WorkspaceManager&) = delete;
  WorkspaceManager& operator=(const WorkspaceManager&) = delete;

  Device device() const { return device_; }

  /// Opens a scope of workspace `id`, creating it with `config` if it does not exist. An
  /// existing workspace must have been created with the same config (else WorkspaceError).
  WorkspaceScope activate(std::string_view id, const WorkspaceConfig& config);
  /// Opens a scope of workspace `id` (created with the default config if new).
  WorkspaceScope activate(std::string_view id);
  /// The workspace `id`, created with `config` if it does not exist yet, without opening it
  /// (ND4J's getWorkspaceForCurrentThread(config, id)), e.g. to size it before its first
  /// cycle with Workspace::adopt_learned_size (ND4J's initializeWorkspace). An existing one
  /// with another configuration is a WorkspaceError.
  Workspace& get_or_create(std::string_view id, const WorkspaceConfig& config);
  /// A scope inside which new tensors are detached, whatever workspaces are open.
  WorkspaceScope scope_out();

  Workspace* get(std::string_view id) const;
  bool exists(std::string_view id) const { return get(id) != nullptr; }
  /// The workspace of the innermost open scope (null when none, or inside scope_out()).
  Workspace* current_workspace() const;
  /// Open scopes on this thread for this device.
  std::size_t open_scopes() const { return stack_.size(); }

  /// Destroys workspace `id`; WorkspaceError if a scope of it is open.
  void destroy(std::string_view id);
  /// Destroys every workspace of this manager; WorkspaceError if a scope is open.
  void destroy_all();
  /// Destroys the workspaces of the calling thread on every device.
  static void destroy_all_for_current_thread();

  /// Trims every closed workspace to what it used since the last trim; the bytes freed.
  std::size_t trim();

  std::vector<WorkspaceStatistics> statistics() const;
  std::string statistics_json() const;
  void print_allocation_statistics(std::ostream& out = std::cout) const;

  /// Writes the learned sizes of this thread's workspaces (every device) as JSON, keyed by
  /// workspace id, device and memory kind; atomically (temporary file + rename).
  static void save_learned_sizes(const std::string& path);
  /// Reads sizes written by save_learned_sizes(): workspaces created afterwards (by any
  /// thread) with a known id and device allocate their arenas at once at that size and skip
  /// learning. A missing, truncated or malformed file raises WorkspaceError.
  static void load_learned_sizes(const std::string& path);
  /// The sizes in a learned-sizes file's text, keyed as load_learned_sizes() keeps them
  /// (`path` appears in messages); raises WorkspaceError as it does.
  static std::map<std::string, std::size_t> parse_learned_sizes(const std::string& text,
                                                                const std::string& path);
  static void clear_learned_sizes();

 private:
  friend class WorkspaceScope;
  struct Entry {
    std::uint64_t token;
    Workspace* workspace;  // null: scope-out
  };
  WorkspaceScope open(Workspace* workspace);
  void close(std::uint64_t token) noexcept;
  void make_top_current() noexcept;
  Workspace& create(std::string_view id, const WorkspaceConfig& config);

  Device device_;
  std::map<std::string, std::unique_ptr<Workspace>, std::less<>> workspaces_;
  std::vector<Entry> stack_;
  std::uint64_t next_token_ = 1;
};

/// Equal when every field is equal.
bool operator==(const WorkspaceConfig& a, const WorkspaceConfig& b);
inline bool operator!=(const WorkspaceConfig& a, const WorkspaceConfig& b) {
  return !(a == b);
}

}  // namespace gyre
