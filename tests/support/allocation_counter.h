#pragma once
// Counts heap allocations made through global operator new on the calling thread, for
// tests that promise "no allocation" (the test binaries replace operator new).
#include <cstdint>

namespace gyre::testing {

/// Counts operator-new calls on this thread from construction until count() is read.
class HeapAllocationCounter {
 public:
  HeapAllocationCounter();
  ~HeapAllocationCounter();
  HeapAllocationCounter(const HeapAllocationCounter&) = delete;
  HeapAllocationCounter& operator=(const HeapAllocationCounter&) = delete;

  std::uint64_t count() const;

 private:
  std::uint64_t start_;
};

/// Counts operator-new calls on every thread of the process (a prefetch thread's too) from
/// construction until count() is read.
class ProcessAllocationCounter {
 public:
  ProcessAllocationCounter();
  std::uint64_t count() const;

 private:
  std::uint64_t start_;
};

}  // namespace gyre::testing
