#include "runtime/sim/sim_reserved_range.h"

#include "runtime/sim/sim_registry.h"

namespace gyre::sim {
namespace {

class SimRange final : public HostRange {
 public:
  SimRange(Region region, std::size_t capacity) : HostRange(capacity), region_(region) {
    SimMemory::instance().add_reserved(base(), region_);
  }
  ~SimRange() override {
    unmap_all();
    SimMemory::instance().remove_reserved(base());
  }

 private:
  void* map(std::size_t from, std::size_t to) override {
    refuse_during_capture(region_.kind == MemoryKind::device
                              ? "mapping device memory (cuMemCreate/cuMemMap)"
                              : "registering pinned memory (cudaHostRegister)");
    SimMemory::instance().set_committed(base(), to);  // throws at the capacity
    try {
      HostRange::map(from, to);
    } catch (...) {
      SimMemory::instance().set_committed(base(), from);
      throw;
    }
    // Fresh device memory reads as NaN, as the simulated cudaMalloc's does.
    if (region_.kind == MemoryKind::device) engine_set(base() + from, 0xFF, to - from);
    return nullptr;
  }
  void unmap(std::size_t from, std::size_t to, void* handle) noexcept override {
    wait_for_streams(region_.kind == MemoryKind::device ? region_.device : -1);
    SimMemory::instance().set_committed(base(), from);
    HostRange::unmap(from, to, handle);
  }
  Region region_;
};

}  // namespace

std::unique_ptr<ReservedRange> reserve_sim_range(Region region, std::size_t capacity) {
  return std::make_unique<SimRange>(region, capacity);
}

}  // namespace gyre::sim
