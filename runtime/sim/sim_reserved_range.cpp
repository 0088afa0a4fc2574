#include "runtime/sim/sim_reserved_range.h"

#include "runtime/sim/sim_registry.h"

namespace gyre::sim {
namespace {

class SimRange final : public HostRange {
 public:
  SimRange(int device, std::size_t capacity) : HostRange(capacity), device_(device) {
    SimMemory::instance().add_reserved(base(), Region{MemoryKind::device, device_});
  }
  ~SimRange() override {
    unmap_all();
    SimMemory::instance().remove_reserved(base());
  }

 private:
  void* map(std::size_t from, std::size_t to) override {
    refuse_during_capture("mapping device memory (cuMemCreate/cuMemMap)");
    HostRange::map(from, to);
    try {
      SimMemory::instance().set_committed(base(), to);  // throws at the device's capacity
    } catch (...) {
      HostRange::unmap(from, to, nullptr);
      throw;
    }
    engine_set(base() + from, 0xFF, to - from);  // fresh device memory reads as NaN
    return nullptr;
  }
  void unmap(std::size_t from, std::size_t to, void* handle) noexcept override {
    wait_for_streams(device_);  // as cuMemUnmap after the device's work (vmm_unmap)
    SimMemory::instance().set_committed(base(), from);
    HostRange::unmap(from, to, handle);
  }
  int device_;
};

}  // namespace

std::unique_ptr<ReservedRange> reserve_sim_range(int device, std::size_t capacity) {
  return std::make_unique<SimRange>(device, capacity);
}

}  // namespace gyre::sim
