#pragma once
// Devices and the calling thread's current device.
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace gyre {

/// cpu: the host. cuda: an NVIDIA GPU. sim: a simulated accelerator with CUDA's rules that
/// runs the CPU kernels (runtime/sim/, docs/design/simulated-devices.md).
enum class DeviceType : std::uint8_t { cpu, cuda, sim };
const char* name_of(DeviceType type);

/// A device: cpu:0, cuda:0..n-1 or sim:0..n-1. A plain value; it is not checked to exist
/// until used.
///
/// Code above the runtime asks one of two questions, and says which: is_accelerator() for
/// everything a GPU needs (device and pinned memory, copy streams, events, graphs, one worker
/// per device), so that sim takes the GPU's branches; is_cuda() only for what truly needs
/// NVIDIA's libraries (NCCL, cuBLAS handles, compute-sanitizer annotations).
struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;

  static constexpr Device cpu() { return {DeviceType::cpu, 0}; }
  static constexpr Device cuda(int index) { return {DeviceType::cuda, index}; }
  static constexpr Device sim(int index) { return {DeviceType::sim, index}; }

  constexpr bool is_cpu() const { return type == DeviceType::cpu; }
  constexpr bool is_cuda() const { return type == DeviceType::cuda; }
  constexpr bool is_sim() const { return type == DeviceType::sim; }
  /// A device with memory of its own and asynchronous streams (cuda or sim).
  constexpr bool is_accelerator() const { return type != DeviceType::cpu; }
  friend constexpr bool operator==(Device a, Device b) {
    return a.type == b.type && a.index == b.index;
  }
  friend constexpr bool operator!=(Device a, Device b) { return !(a == b); }

  /// "cpu:0", "cuda:1", "sim:2".
  std::string to_string() const;
  /// Parses "cpu", "cpu:0", "cuda", "cuda:1", "sim", "sim:2"; throws DeviceError naming the
  /// text.
  static Device parse(std::string_view text);
};

std::ostream& operator<<(std::ostream& out, Device device);

/// Devices of a type present on this machine: 1 for the CPU; for CUDA, 0 when the build has
/// no CUDA or no GPU is visible; for sim, GYRE_SIM_DEVICES (0 when unset).
int device_count(DeviceType type);
/// Every accelerator present: cuda:0.. then sim:0.. (empty on a plain CPU machine).
std::vector<Device> accelerators();

/// Throws DeviceError when the device does not exist here (names the device and the count).
void check_device(Device device);

/// The calling thread's current device (cpu:0 unless a DeviceGuard says otherwise).
Device current_device();

/// Makes `device` current on this thread for the guard's lifetime: Gyre's current device and,
/// for an accelerator, the accelerator's own current device (cudaSetDevice; sim's per-thread
/// device). On exit both are restored, the accelerator's even when the previous Gyre device
/// was the CPU: a guard leaves the thread exactly as it found it.
class DeviceGuard {
 public:
  explicit DeviceGuard(Device device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  Device previous_;
  Device device_;
  int previous_accelerator_index_ = -1;  // the accelerator's current device before the guard
};

/// Accelerators of one type Gyre supports per process.
constexpr int kMaxDevicesPerType = 16;
/// Slot of a device in per-device tables: cpu:0 is 0, cuda:i is 1 + i, sim:i is 17 + i.
constexpr int kMaxDevices = 1 + 2 * kMaxDevicesPerType;
constexpr int device_slot(Device device) {
  return device.type == DeviceType::cpu    ? 0
         : device.type == DeviceType::cuda ? 1 + device.index
                                           : 1 + kMaxDevicesPerType + device.index;
}

}  // namespace gyre

namespace gyre {
/// Bytes the device could still hand out: free device memory on an accelerator, MemAvailable
/// of /proc/meminfo on the CPU (0 when unknown). For error messages, not for decisions.
std::size_t free_memory(Device device) noexcept;
}  // namespace gyre
