// main of the device-suite binaries (tests/support/test_device.h): runs the tests on the
// accelerator kind GYRE_TEST_DEVICE names, or exits 77 (reported as skipped, never as
// passed) when this machine has none of that kind.
#include <cstdlib>
#include <iostream>
#include <string_view>

#include "tests/support/strict_logging.h"
#include "tests/support/test_device.h"

namespace gyre::testing {
namespace {
DeviceType kind = DeviceType::sim;
}
DeviceType device_kind() {
  return kind;
}
Device test_device(int index) {
  return Device{kind, index};
}
int test_device_count() {
  return device_count(kind);
}
}  // namespace gyre::testing

int main(int argc, char** argv) {
  const char* named = std::getenv("GYRE_TEST_DEVICE");
  const std::string_view text = named != nullptr ? named : "sim";
  if (text == "cuda") {
    gyre::testing::kind = gyre::DeviceType::cuda;
  } else if (text != "sim") {
    std::cerr << "GYRE_TEST_DEVICE='" << text << "': expected sim or cuda\n";
    return 2;
  }
  if (gyre::testing::test_device_count() == 0) {
    std::cout << "no " << text << " device: skipping the device suite"
              << (text == "sim" ? " (set GYRE_SIM_DEVICES=N)" : "") << "\n";
    return 77;
  }
  return gyre::testing::run_tests(argc, argv);
}
