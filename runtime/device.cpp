#include "runtime/device.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <ostream>

#include "runtime/accelerator.h"
#include "runtime/error.h"
#include "runtime/sim/sim_config.h"

namespace gyre {
namespace {
thread_local Device tls_current_device = Device::cpu();
}

const char* name_of(DeviceType type) {
  switch (type) {
    case DeviceType::cpu:
      return "cpu";
    case DeviceType::cuda:
      return "cuda";
    case DeviceType::sim:
      return "sim";
  }
  return "?";
}

std::string Device::to_string() const {
  return strcat(name_of(type), ":", index);
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
  if (kind == "sim") return Device::sim(index);
  throw DeviceError(strcat("bad device '", text, "': expected 'cpu', 'cuda[:N]' or 'sim[:N]'"));
}

int device_count(DeviceType type) {
  return type == DeviceType::cpu ? 1 : accelerator(type).device_count();
}

std::vector<Device> accelerators() {
  std::vector<Device> result;
  for (DeviceType type : {DeviceType::cuda, DeviceType::sim}) {
    const int count = std::min(device_count(type), kMaxDevicesPerType);
    for (int index = 0; index < count; ++index) result.push_back(Device{type, index});
  }
  return result;
}

void check_device(Device device) {
  if (device.is_cpu()) {
    GYRE_CHECK(device.index == 0, DeviceError, "device ", device,
               " does not exist: the CPU is cpu:0");
    return;
  }
  if (device.is_sim()) (void)sim::config();  // a malformed GYRE_SIM_* says so here
  if (device.is_cuda()) {
    GYRE_CHECK(cuda_backend::compiled(), NotAvailableError, "device ", device,
               " requested, but CUDA is not available in this build; configure with "
               "-DGYRE_CUDA=ON (or simulate one: GYRE_SIM_DEVICES=N and --device sim)");
  }
  const int count = device_count(device.type);
  GYRE_CHECK(device.index >= 0 && device.index < count, DeviceError, "device ", device,
             " does not exist: this machine has ", count, " ",
             device.is_cuda() ? "CUDA" : "simulated (sim)", " device(s)",
             count == 0 ? (device.is_sim() ? " (set GYRE_SIM_DEVICES=N to simulate N)" : "")
                        : strcat(", ", name_of(device.type), ":0..", name_of(device.type), ":",
                                 count - 1));
  GYRE_CHECK(device.index < kMaxDevicesPerType, DeviceError, "device ", device, " is beyond the ",
             kMaxDevicesPerType, " devices of one kind Gyre supports per process");
}

Device current_device() {
  return tls_current_device;
}

// Guards sit on every public entry (a training step, an inference call): re-entering the
// current device checks nothing and switches nothing.
DeviceGuard::DeviceGuard(Device device) : previous_(tls_current_device), device_(device) {
  if (device != previous_) check_device(device);  // the current device was checked already
  if (device.is_accelerator()) {
    Accelerator& target = accelerator(device);
    previous_accelerator_index_ = target.current_device();
    if (previous_accelerator_index_ != device.index) target.set_current_device(device.index);
  }
  tls_current_device = device;
}

DeviceGuard::~DeviceGuard() {
  if (device_.is_accelerator() && previous_accelerator_index_ != device_.index)
    accelerator(device_).set_current_device_noexcept(previous_accelerator_index_);
  tls_current_device = previous_;
}

}  // namespace gyre

namespace gyre {

std::size_t free_memory(Device device) noexcept {
  try {
    if (device.is_accelerator()) return accelerator(device).properties(device.index).free_memory;
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
