// main of the [cuda] test binaries: exits 77, which CTest reports as skipped, when this
// machine has no CUDA device (or the build has no CUDA). Never reported as passed.
#include <iostream>

#include "runtime/device.h"
#include "tests/support/strict_logging.h"

int main(int argc, char** argv) {
  if (gyre::device_count(gyre::DeviceType::cuda) == 0) {
    std::cout << "no CUDA device: skipping the [cuda] tests\n";
    return 77;
  }
  return gyre::testing::run_tests(argc, argv);
}
