#include "runtime/sim/sim_config.h"

#include <charconv>
#include <cstdlib>
#include <string_view>

#include "runtime/device.h"
#include "runtime/error.h"

namespace gyre::sim {
namespace {

std::uint64_t parse_number(const char* variable, std::string_view text, bool allow_suffix) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  std::uint64_t scale = 1;
  if (allow_suffix && stop + 1 == end) {
    switch (*stop) {
      case 'K':
      case 'k':
        scale = std::uint64_t{1} << 10;
        break;
      case 'M':
      case 'm':
        scale = std::uint64_t{1} << 20;
        break;
      case 'G':
      case 'g':
        scale = std::uint64_t{1} << 30;
        break;
      default:
        scale = 0;
    }
  } else if (stop != end) {
    scale = 0;
  }
  GYRE_CHECK(ec == std::errc() && scale != 0 && value <= UINT64_MAX / scale, DeviceError, variable,
             "='", text, "' is not a number",
             allow_suffix ? " of bytes (an optional K, M or G suffix)" : "");
  return value * scale;
}

SimConfig read() {
  SimConfig result;
  if (const char* text = std::getenv("GYRE_SIM_DEVICES"); text != nullptr && *text != '\0') {
    const std::uint64_t devices = parse_number("GYRE_SIM_DEVICES", text, false);
    GYRE_CHECK(devices <= kMaxDevicesPerType, DeviceError, "GYRE_SIM_DEVICES=", text, ": at most ",
               kMaxDevicesPerType, " simulated devices per process");
    result.devices = static_cast<int>(devices);
  }
  if (const char* text = std::getenv("GYRE_SIM_MEMORY"); text != nullptr && *text != '\0') {
    result.memory_per_device = parse_number("GYRE_SIM_MEMORY", text, true);
    GYRE_CHECK(result.memory_per_device > 0, DeviceError, "GYRE_SIM_MEMORY=", text,
               ": a device needs some memory");
  }
  if (const char* text = std::getenv("GYRE_SIM_DELAY"); text != nullptr && *text != '\0') {
    // Seed 0 would mean "off": shift so that every written seed turns chaos on.
    result.chaos_seed = parse_number("GYRE_SIM_DELAY", text, false) * 2 + 1;
  }
  return result;
}

}  // namespace

const SimConfig& config() {
  static const SimConfig instance = read();
  return instance;
}

}  // namespace gyre::sim
