#pragma once
// LivenessPool: the values of one pass over a graph (activations in inference, activation
// gradients in training), each kept in a workspace of the pool only while a vertex still
// has to read it. Each slot is a workspace scope; a vertex's results go to the lowest free
// slot, and a slot closes (its workspace's cycle ends) when the last value in it has had
// its last reader. On a chain this alternates two workspaces, DL4J's SEPARATE mode; on a
// graph it holds as many as are live at once. Under SINGLE every slot is the same workspace
// (borrows of one cycle) and under NONE a scope-out, so one pass serves every mode.
// The tables are sized once and reused, so a steady-state pass allocates nothing.
#include <vector>

#include "nn/workspace_plan.h"

namespace gyre::nn {

class LivenessPool {
 public:
  /// A pass: ends it (every slot closed) when it goes out of scope, an exception included.
  class Pass {
   public:
    explicit Pass(LivenessPool& pool) : pool_(pool) {}
    ~Pass() { pool_.end(); }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

   private:
    LivenessPool& pool_;
  };

  /// Starts a pass of `values` values over the workspaces `ids` (kMaxLiveValues of them;
  /// null ids: detached); the pass ends with the returned guard.
  [[nodiscard]] Pass begin(WorkspaceManager& manager, const char* const* ids, int values);
  /// Opens the lowest free slot for a vertex's results; the vertex's context takes
  /// id(slot) as its output workspace. Throws InvalidArgumentError when more than
  /// kMaxLiveValues values would be live at once.
  int open();
  const char* id(int slot) const { return ids_[slot]; }
  /// Records `result` as value `value`, to be read `readers` times. It lives in slot
  /// `opened` when it was made there; otherwise it is a view of one of the `sources` values
  /// (a pass-through or reshape) and shares that value's slot, or it is memory the pool does
  /// not hold (a graph input, a detached tensor; `opened` -1 says so).
  void place(int value, const Tensor& result, int opened, int readers, const int* sources,
             int source_count);
  /// Replaces the value of `value` with `sum`, made in slot `opened` from it (a gradient
  /// that another reader added to); the old value's slot is freed if nothing else is there.
  void accumulate(int value, const Tensor& sum, int opened);
  /// Closes slot `opened` if no value stayed in it (call after placing a vertex's results).
  void settle(int opened);
  /// Adds `readers` to a value's remaining reads (a graph output is read once more, by the
  /// caller).
  void add_readers(int value, int readers) { readers_[value] += readers; }
  const Tensor& value(int value) const { return values_[value]; }
  /// One read of `value` is done; the last frees it, and its slot when nothing else is there.
  void release(int value);
  /// Drops every value and closes every slot.
  void end() noexcept;

 private:
  void unhold(int slot);

  WorkspaceManager* manager_ = nullptr;
  const char* const* ids_ = nullptr;
  std::vector<Tensor> values_;
  std::vector<int> readers_, slot_of_;
  WorkspaceScope scopes_[kMaxLiveValues];
  int held_[kMaxLiveValues] = {};  // values living in each slot; -1: the slot is free
};

}  // namespace gyre::nn
