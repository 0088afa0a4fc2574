#include "runtime/fault_injecting_resource.h"

#include <utility>

#include "runtime/error.h"

namespace gyre {
namespace {
// The upstream's reservation, each commit counted as an allocation: growing a stable arena
// is an allocation site like any other.
class FaultInjectingRange final : public ReservedRange {
 public:
  FaultInjectingRange(std::unique_ptr<ReservedRange> upstream, FaultTrigger& trigger,
                      std::string name)
      : ReservedRange(upstream->base(), upstream->capacity(), upstream->granularity()),
        upstream_(std::move(upstream)),
        trigger_(trigger),
        name_(std::move(name)) {}
  ~FaultInjectingRange() override { unmap_all(); }

 private:
  void* map(std::size_t from, std::size_t to) override {
    if (trigger_.count_allocation()) {
      throw OutOfMemoryError(
          strcat("injected fault: ", name_, " commit of ", to - from, " bytes failed on purpose"));
    }
    upstream_->commit(to);
    return nullptr;
  }
  void unmap(std::size_t from, std::size_t, void*) noexcept override {
    try {
      upstream_->commit(from);  // a shrink: gives chunks back, allocates nothing
    } catch (...) {
    }
  }
  std::unique_ptr<ReservedRange> upstream_;
  FaultTrigger& trigger_;
  std::string name_;
};
}  // namespace

void FaultTrigger::arm(std::uint64_t n) {
  GYRE_CHECK(n >= 1, InvalidArgumentError, "FaultTrigger::arm: n must be >= 1");
  fired_.store(false, std::memory_order_release);
  remaining_.store(n, std::memory_order_release);
}

void FaultTrigger::disarm() {
  remaining_.store(0, std::memory_order_release);
}

bool FaultTrigger::count_allocation() {
  std::uint64_t remaining = remaining_.load(std::memory_order_acquire);
  while (remaining != 0) {  // armed: count this allocation down
    if (remaining_.compare_exchange_weak(remaining, remaining - 1, std::memory_order_acq_rel)) {
      if (remaining != 1) return false;
      fired_.store(true, std::memory_order_release);
      return true;
    }
  }
  return false;
}

// Transparent: the wrapped resource keeps its name in statistics and messages.
std::string FaultInjectingResource::name() const {
  return upstream_.name();
}

void* FaultInjectingResource::do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) {
  if (trigger_.count_allocation()) {
    throw OutOfMemoryError(strcat("injected fault: ", upstream_.name(), " allocation of ", bytes,
                                  " bytes failed on purpose"));
  }
  return upstream_.allocate(bytes, alignment, stream);
}

std::unique_ptr<ReservedRange> FaultInjectingResource::do_reserve(std::size_t capacity) {
  std::unique_ptr<ReservedRange> range = upstream_.reserve(capacity);
  if (range == nullptr) return nullptr;
  return std::make_unique<FaultInjectingRange>(std::move(range), trigger_, upstream_.name());
}

void FaultInjectingResource::do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                                           Stream stream) noexcept {
  upstream_.deallocate(pointer, bytes, alignment, stream);
}

}  // namespace gyre
