#pragma once
// ThreadGroup: the in-process Communicator backend. Each worker thread holds one member;
// a collective sums the members' host buffers through shared memory, each thread reducing
// one slice, in participant order (deterministic). With an outer communicator (MPI across
// processes), member 0 all-reduces the group's sum with the other processes' before the
// members read it back: one process-level collective per round, whatever the thread count.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "parallel/communicator.h"

namespace gyre::parallel {

class ThreadGroup {
 public:
  /// `size` members; `outer` (optional, not owned) joins this group to other processes.
  explicit ThreadGroup(int size, Communicator* outer = nullptr);
  ~ThreadGroup();
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  /// The member for worker `index` (one thread each).
  Communicator& member(int index);
  /// Wakes every member waiting in a collective: they throw ParallelError naming `reason`.
  /// Collectives keep failing until reset().
  void abort(const std::string& reason);
  /// Makes the group usable again after an abort (call when no member is inside a call).
  void reset();

 private:
  class Member;
  friend class Member;
  int reduce(int rank, const Tensor& buffer, bool contributes, bool divide);
  void reduce_slice_in_place(std::int64_t first, std::int64_t last, float total, bool divide);
  void arrive_and_wait(std::unique_lock<std::mutex>& lock,
                       const std::function<void()>& on_complete = {});

  std::vector<std::unique_ptr<Member>> members_;
  Communicator* outer_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  std::uint64_t generation_ = 0;
  bool aborted_ = false;
  std::string abort_reason_;
  // The collective in progress: each member's buffer and whether it contributes.
  std::vector<float*> buffers_;
  std::vector<char> contributes_;
  std::vector<std::int64_t> counts_;
  std::vector<float> sum_;  // count + 1: the sum, then the number of contributors
};

}  // namespace gyre::parallel
