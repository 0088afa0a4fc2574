#pragma once
// FaultInjectingResource: an adaptor that passes allocations to its upstream resource and,
// once its trigger is armed, fails the N-th one with OutOfMemoryError, as a real resource
// does when memory runs out. Every system resource is wrapped in one: host, pinned, and
// both device resources (cudaMalloc, cudaMallocAsync), which share one trigger per device.
// So a test can fail every host, pinned or device allocation site of a step in turn
// (docs/reliability.md).
#include <atomic>
#include <cstdint>

#include "runtime/device.h"
#include "runtime/memory_resource.h"

namespace gyre {

/// Counts allocations down once armed, and says which one must fail.
class FaultTrigger {
 public:
  /// Fails the `n`-th allocation from now (1: the next one), once.
  void arm(std::uint64_t n);
  void disarm();
  /// Whether the armed failure happened.
  bool fired() const { return fired_.load(std::memory_order_acquire); }
  /// Counts one allocation; true when it is the one to fail (one relaxed load if disarmed).
  bool count_allocation();

 private:
  std::atomic<std::uint64_t> remaining_{0};  // 0: disarmed
  std::atomic<bool> fired_{false};
};

class FaultInjectingResource final : public AdaptorResource {
 public:
  FaultInjectingResource(MemoryResource& upstream, FaultTrigger& trigger)
      : AdaptorResource(upstream), trigger_(trigger) {}

  std::string name() const override;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) override;
  void do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                     Stream stream) noexcept override;
  std::unique_ptr<ReservedRange> do_reserve(std::size_t capacity) override;

  FaultTrigger& trigger_;
};

/// The trigger of the process's `kind` memory: host (workspace arenas and detached host
/// tensors), pinned host of `device`'s accelerator kind (workspace mirrors, pinned staging;
/// CUDA's when `device` is the CPU), or device memory of `device` (workspace arenas and
/// detached device tensors). NotAvailableError for CUDA memory in a build without CUDA.
FaultTrigger& fault_injection(MemoryKind kind, Device device = Device::cpu());

}  // namespace gyre
