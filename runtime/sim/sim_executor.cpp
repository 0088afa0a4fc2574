#include "runtime/sim/sim_executor.h"

#include <pthread.h>

#include <chrono>
#include <utility>

#include "runtime/thread_census.h"

namespace gyre::sim {

SimExecutor::SimExecutor(std::string name, std::uint64_t chaos_seed)
    : name_(std::move(name)), chaos_(chaos_seed != 0), random_(chaos_seed) {
  thread_ = std::thread([this] {
    const ThreadCensus::Member counted;
    run();
  });
}

SimExecutor::~SimExecutor() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  thread_.join();
}

std::uint64_t SimExecutor::enqueue(std::function<void()> operation) {
  std::uint64_t sequence;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(operation));
    sequence = ++enqueued_;
  }
  queued_.notify_one();
  return sequence;
}

std::uint64_t SimExecutor::enqueued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return enqueued_;
}

void SimExecutor::wait_for(std::uint64_t sequence) {
  std::unique_lock<std::mutex> lock(mutex_);
  completed_changed_.wait(lock, [&] { return completed_ >= sequence; });
}

std::exception_ptr SimExecutor::take_error() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(error_, nullptr);
}

void SimExecutor::run() {
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued has run
    std::function<void()> operation = std::move(queue_.front());
    queue_.pop_front();
    // One operation in four waits up to 200 µs: enough to reorder work across streams.
    const bool pause = chaos_ && random_() % 4 == 0;
    const auto delay = std::chrono::microseconds(chaos_ ? random_() % 200 : 0);
    lock.unlock();
    if (pause) std::this_thread::sleep_for(delay);
    std::exception_ptr failure;
    try {
      operation();
    } catch (...) {
      failure = std::current_exception();
    }
    operation = nullptr;  // release what the operation held before reporting completion
    lock.lock();
    if (failure != nullptr && error_ == nullptr) error_ = failure;
    ++completed_;
    completed_changed_.notify_all();
  }
}

}  // namespace gyre::sim
