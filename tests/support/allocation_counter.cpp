// Replaces the global operator new/delete of the test binaries with versions that count
// the calls per thread (and in all), so tests can assert that a piece of code does not allocate.
#include "tests/support/allocation_counter.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace {
thread_local std::uint64_t tls_allocations = 0;
thread_local int tls_active_counters = 0;

std::atomic<std::uint64_t> process_allocations{0};

void* counted_allocate(std::size_t size, std::size_t alignment) {
  if (tls_active_counters > 0) ++tls_allocations;
  process_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* pointer = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    pointer = std::malloc(size);
  } else {
    const std::size_t rounded = (size + alignment - 1) / alignment * alignment;
    pointer = std::aligned_alloc(alignment, rounded);
  }
  if (pointer == nullptr) throw std::bad_alloc();
  return pointer;
}
}  // namespace

namespace gyre::testing {
HeapAllocationCounter::HeapAllocationCounter() : start_(tls_allocations) {
  ++tls_active_counters;
}
HeapAllocationCounter::~HeapAllocationCounter() {
  --tls_active_counters;
}
std::uint64_t HeapAllocationCounter::count() const {
  return tls_allocations - start_;
}
ProcessAllocationCounter::ProcessAllocationCounter()
    : start_(process_allocations.load(std::memory_order_relaxed)) {}
std::uint64_t ProcessAllocationCounter::count() const {
  return process_allocations.load(std::memory_order_relaxed) - start_;
}
}  // namespace gyre::testing

void* operator new(std::size_t size) {
  return counted_allocate(size, alignof(std::max_align_t));
}
void* operator new[](std::size_t size) {
  return counted_allocate(size, alignof(std::max_align_t));
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return counted_allocate(size, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return counted_allocate(size, static_cast<std::size_t>(alignment));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_allocate(size, alignof(std::max_align_t));
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_allocate(size, alignof(std::max_align_t));
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* pointer) noexcept {
  std::free(pointer);
}
void operator delete[](void* pointer) noexcept {
  std::free(pointer);
}
void operator delete(void* pointer, std::size_t) noexcept {
  std::free(pointer);
}
void operator delete[](void* pointer, std::size_t) noexcept {
  std::free(pointer);
}
void operator delete(void* pointer, std::align_val_t) noexcept {
  std::free(pointer);
}
void operator delete[](void* pointer, std::align_val_t) noexcept {
  std::free(pointer);
}
void operator delete(void* pointer, std::size_t, std::align_val_t) noexcept {
  std::free(pointer);
}
void operator delete[](void* pointer, std::size_t, std::align_val_t) noexcept {
  std::free(pointer);
}
