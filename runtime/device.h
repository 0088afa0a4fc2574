#pragma once
// Devices and the calling thread's current device.
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace gyre {

enum class DeviceType : std::uint8_t { cpu, cuda };

/// A device: cpu:0, or cuda:0..n-1. A plain value; it is not checked to exist until used.
struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;

  static constexpr Device cpu() { return {DeviceType::cpu, 0}; }
  static constexpr Device cuda(int index) { return {DeviceType::cuda, index}; }

  constexpr bool is_cpu() const { return type == DeviceType::cpu; }
  constexpr bool is_cuda() const { return type == DeviceType::cuda; }
  friend constexpr bool operator==(Device a, Device b) {
    return a.type == b.type && a.index == b.index;
  }
  friend constexpr bool operator!=(Device a, Device b) { return !(a == b); }

  /// "cpu:0", "cuda:1".
  std::string to_string() const;
  /// Parses "cpu", "cpu:0", "cuda", "cuda:1"; throws DeviceError naming the text.
  static Device parse(std::string_view text);
};

std::ostream& operator<<(std::ostream& out, Device device);

/// Devices of a type present on this machine: 1 for the CPU; for CUDA, 0 when the build has
/// no CUDA or no GPU is visible.
int device_count(DeviceType type);

/// Throws DeviceError when the device does not exist here (names the device and the count).
void check_device(Device device);

/// The calling thread's current device (cpu:0 unless a DeviceGuard says otherwise).
Device current_device();

/// Makes `device` current on this thread for the guard's lifetime (and the current CUDA
/// device, for a CUDA device); restores the previous one on exit.
class DeviceGuard {
 public:
  explicit DeviceGuard(Device device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  Device previous_;
};

/// Slot of a device in per-device tables: cpu:0 is 0, cuda:i is 1 + i.
constexpr int kMaxDevices = 17;
int device_slot(Device device);

}  // namespace gyre

namespace gyre {
/// Bytes the device could still hand out: free device memory on CUDA, MemAvailable of
/// /proc/meminfo on the CPU (0 when unknown). For error messages, not for decisions.
std::size_t free_memory(Device device) noexcept;
}  // namespace gyre
