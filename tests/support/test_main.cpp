// main of the CPU test binaries.
#include "tests/support/strict_logging.h"

int main(int argc, char** argv) {
  return gyre::testing::run_tests(argc, argv);
}
