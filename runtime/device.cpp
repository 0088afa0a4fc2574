#include "runtime/device.h"

#include <charconv>
#include <fstream>
#include <ostream>

#include "runtime/cuda_backend.h"
#include "runtime/error.h"

namespace gyre {
namespace {
thread_local Device tls_current_device = Device::cpu();
}

std::string Device::to_string() const {
  return strcat(type == DeviceType::cpu ? "cpu" : "cuda", ":", index);
}

std::ostream& operator<<(std::ostream& out, Device device) {
  return out << device.to_string();
}

Device Device::parse(std::string_view text) {
  const auto colon = text.find(':');
  const std::string_view kind = text.substr(0, colon);
  int index = 0;
  if (colon != std::string_view::npos) {
    const std::string_view digits = text.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || index < 0) {
      throw DeviceError(
          strcat("bad device '", text, "': the index after ':' must be a number >= 0"));
    }
  }
  if (kind == "cpu") {
    GYRE_CHECK(index == 0, DeviceError, "bad device '", text, "': the only CPU device is cpu:0");
    return Device::cpu();
  }
  if (kind == "cuda") return Device::cuda(index);
  throw DeviceError(strcat("bad device '", text, "': expected 'cpu' or 'cuda[:N]'"));
}

int device_count(DeviceType type) {
  return type == DeviceType::cpu ? 1 : cuda_backend::device_count();
}

void check_device(Device device) {
  if (device.is_cpu()) {
    GYRE_CHECK(device.index == 0, DeviceError, "device ", device,
               " does not exist: the CPU is cpu:0");
    return;
  }
  GYRE_CHECK(cuda_backend::compiled(), NotAvailableError, "device ", device,
             " requested, but CUDA is not available in this build; configure with -DGYRE_CUDA=ON");
  const int count = cuda_backend::device_count();
  GYRE_CHECK(device.index >= 0 && device.index < count, DeviceError, "device ", device,
             " does not exist: this machine has ", count, " CUDA device(s)",
             count == 0 ? "" : strcat(", cuda:0..cuda:", count - 1));
  GYRE_CHECK(device.index < kMaxDevices - 1, DeviceError, "device ", device, " is beyond the ",
             kMaxDevices - 1, " CUDA devices Gyre supports per process");
}

Device current_device() {
  return tls_current_device;
}

DeviceGuard::DeviceGuard(Device device) : previous_(tls_current_device) {
  check_device(device);
  if (device.is_cuda()) cuda_backend::set_current_device(device.index);
  tls_current_device = device;
}

DeviceGuard::~DeviceGuard() {
  if (previous_.is_cuda()) cuda_backend::set_current_device_noexcept(previous_.index);
  tls_current_device = previous_;
}

int device_slot(Device device) {
  return device.is_cpu() ? 0 : 1 + device.index;
}

}  // namespace gyre

namespace gyre {

std::size_t free_memory(Device device) noexcept {
  try {
    if (device.is_cuda()) return cuda_backend::properties(device.index).free_memory;
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    std::size_t kibibytes = 0;
    std::string unit;
    while (meminfo >> key >> kibibytes >> unit) {
      if (key == "MemAvailable:") return kibibytes * 1024;
    }
  } catch (...) {
  }
  return 0;
}

}  // namespace gyre
