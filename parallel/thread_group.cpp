#include "parallel/thread_group.h"

#include <algorithm>

namespace gyre::parallel {

void check_collective_buffer(const Tensor& buffer, const char* backend) {
  GYRE_CHECK(buffer.defined() && buffer.dtype() == DType::f32 && buffer.is_contiguous(),
             InvalidArgumentError, backend,
             " collective: the buffer must be a contiguous f32 tensor, got ", buffer.description());
}

class ThreadGroup::Member final : public Communicator {
 public:
  Member(ThreadGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size(); }
  std::string backend() const override { return "threads"; }
  int average(const Tensor& buffer, bool contributes) override {
    return group_.reduce(rank_, buffer, contributes, true);
  }
  void all_reduce_sum(const Tensor& buffer) override { group_.reduce(rank_, buffer, true, false); }

 private:
  ThreadGroup& group_;
  int rank_;
};

ThreadGroup::ThreadGroup(int size, Communicator* outer) : outer_(outer) {
  GYRE_CHECK(size >= 1, InvalidArgumentError, "ThreadGroup: size ", size, " must be >= 1");
  for (int i = 0; i < size; ++i) members_.push_back(std::make_unique<Member>(*this, i));
  buffers_.assign(static_cast<std::size_t>(size), nullptr);
  contributes_.assign(static_cast<std::size_t>(size), 0);
  counts_.assign(static_cast<std::size_t>(size), 0);
}

ThreadGroup::~ThreadGroup() = default;

Communicator& ThreadGroup::member(int index) {
  GYRE_CHECK(index >= 0 && index < size(), InvalidArgumentError, "ThreadGroup: member ", index,
             " of a group of ", size());
  return *members_[static_cast<std::size_t>(index)];
}

void ThreadGroup::abort(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!aborted_) abort_reason_ = reason;
    aborted_ = true;
  }
  changed_.notify_all();
}

void ThreadGroup::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  aborted_ = false;
  abort_reason_.clear();
  arrived_ = 0;
  ++generation_;
}

// A barrier that an abort() breaks: every waiter throws. The last member to arrive runs
// `on_complete` (under the lock) before releasing the others.
void ThreadGroup::arrive_and_wait(std::unique_lock<std::mutex>& lock,
                                  const std::function<void()>& on_complete) {
  auto check = [this] {
    if (aborted_) throw ParallelError(strcat("thread group collective aborted: ", abort_reason_));
  };
  check();
  const std::uint64_t generation = generation_;
  if (++arrived_ == size()) {
    arrived_ = 0;
    if (on_complete) on_complete();
    ++generation_;
    changed_.notify_all();
    return;
  }
  changed_.wait(lock, [&] { return generation_ != generation || aborted_; });
  if (generation_ == generation) check();
}

// Block by block (a stack buffer the compiler vectorizes): the sum over the contributing
// members in member order, then the result written into every member's buffer.
void ThreadGroup::reduce_slice_in_place(std::int64_t first, std::int64_t last, float total,
                                        bool divide) {
  constexpr std::int64_t kBlock = 1024;
  float block[kBlock];
  for (std::int64_t start = first; start < last; start += kBlock) {
    const std::int64_t n = std::min(kBlock, last - start);
    std::fill(block, block + n, 0.0f);
    for (std::size_t m = 0; m < buffers_.size(); ++m) {
      if (!contributes_[m]) continue;
      const float* source = buffers_[m] + start;
      for (std::int64_t i = 0; i < n; ++i) block[i] += source[i];
    }
    if (divide) {
      for (std::int64_t i = 0; i < n; ++i) block[i] /= total;
    }
    for (float* buffer : buffers_) std::copy(block, block + n, buffer + start);
  }
}

int ThreadGroup::reduce(int rank, const Tensor& buffer, bool contributes, bool divide) {
  check_collective_buffer(buffer, "threads");
  GYRE_CHECK(buffer.device().is_cpu(), DeviceError, "threads collective: the buffer is on ",
             buffer.device(),
             "; a thread group reduces host memory (use the NCCL communicator for GPUs)");
  const std::int64_t count = buffer.numel();
  const auto index = static_cast<std::size_t>(rank);
  std::unique_lock<std::mutex> lock(mutex_);
  buffers_[index] = static_cast<float*>(buffer.data_ptr());
  contributes_[index] = contributes ? 1 : 0;
  counts_[index] = count;
  // Every buffer is published, and every member is done reading the previous sum: the last
  // to arrive may grow the scratch (once: later rounds reuse it).
  arrive_and_wait(lock, [this] {
    const std::int64_t largest = *std::max_element(counts_.begin(), counts_.end());
    if (sum_.size() < static_cast<std::size_t>(largest + 1))
      sum_.resize(static_cast<std::size_t>(largest + 1));
  });
  // Every member checks every size, so all of them refuse together (none waits alone).
  for (std::size_t m = 0; m < counts_.size(); ++m) {
    GYRE_CHECK(counts_[m] == counts_[0], InvalidArgumentError, "threads collective: member ", m,
               " has ", counts_[m], " elements, member 0 has ", counts_[0],
               "; every member must pass the same buffer size");
  }
  lock.unlock();
  // This member's slice of the sum, over the members in order (the same bits every run).
  const std::int64_t members = size();
  const std::int64_t first = count * rank / members, last = count * (rank + 1) / members;
  if (outer_ == nullptr && members == 1) {  // alone: the mean of one buffer is that buffer
    GYRE_CHECK(!divide || contributes, ParallelError,
               "average: no participant contributed (every worker passed contributes = false)");
    return contributes ? 1 : 0;
  }
  if (outer_ == nullptr) {  // one process: each member writes its slice of the result everywhere
    const int contributors =
        static_cast<int>(std::count(contributes_.begin(), contributes_.end(), 1));
    GYRE_CHECK(!divide || contributors > 0, ParallelError,
               "average: no participant contributed (every worker passed contributes = false)");
    reduce_slice_in_place(first, last, divide ? static_cast<float>(contributors) : 1.0f, divide);
    lock.lock();
    arrive_and_wait(lock);  // every slice is written before any member moves on
    return contributors;
  }
  float* sum = sum_.data();
  std::fill(sum + first, sum + last, 0.0f);
  int contributors = 0;
  for (std::size_t m = 0; m < buffers_.size(); ++m) {
    if (!contributes_[m]) continue;
    ++contributors;
    const float* source = buffers_[m];
    for (std::int64_t i = first; i < last; ++i) sum[i] += source[i];
  }
  lock.lock();
  if (rank == 0) sum_[static_cast<std::size_t>(count)] = static_cast<float>(contributors);
  arrive_and_wait(lock);  // the whole sum is there
  if (outer_ != nullptr) {
    if (rank == 0) {
      lock.unlock();
      try {
        outer_->all_reduce_sum(Tensor::wrap(sum, {count + 1}, DType::f32));
      } catch (const std::exception& error) {
        lock.lock();
        aborted_ = true;
        abort_reason_ = strcat("the process-level all-reduce failed: ", error.what());
        changed_.notify_all();
        throw;
      }
      lock.lock();
    }
    arrive_and_wait(lock);  // the other processes' sums are in
  }
  lock.unlock();
  const float total = sum[count];
  GYRE_CHECK(!divide || total > 0.0f, ParallelError,
             "average: no participant contributed (every worker passed contributes = false)");
  float* mine = buffers_[index];
  if (divide) {
    for (std::int64_t i = 0; i < count; ++i) mine[i] = sum[i] / total;
  } else {
    std::copy(sum, sum + count, mine);
  }
  return static_cast<int>(total);
}

}  // namespace gyre::parallel
