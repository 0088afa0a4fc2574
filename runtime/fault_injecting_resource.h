#pragma once
// FaultInjectingResource: an adaptor that passes allocations to its upstream resource and,
// once armed, fails the N-th one with OutOfMemoryError, as a real resource does when memory
// runs out. The process's host resource is wrapped in one (host_fault_injection()), so a
// test can fail every allocation site of a step in turn (docs/reliability.md).
#include <atomic>
#include <cstdint>

#include "runtime/memory_resource.h"

namespace gyre {

class FaultInjectingResource final : public MemoryResource {
 public:
  explicit FaultInjectingResource(MemoryResource& upstream) : upstream_(upstream) {}

  /// Fails the `n`-th allocation from now (1: the next one), once.
  void arm(std::uint64_t n);
  void disarm();
  /// Whether the armed failure happened.
  bool fired() const { return fired_.load(std::memory_order_acquire); }

  MemoryKind kind() const override { return upstream_.kind(); }
  Device device() const override { return upstream_.device(); }
  std::string name() const override;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) override;
  void do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                     Stream stream) noexcept override;

  MemoryResource& upstream_;
  std::atomic<std::uint64_t> remaining_{0};  // 0: disarmed
  std::atomic<bool> fired_{false};
};

/// The wrapper around the process's host resource (workspace arenas and detached host
/// tensors allocate through it).
FaultInjectingResource& host_fault_injection();

}  // namespace gyre
