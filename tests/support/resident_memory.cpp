#include "tests/support/resident_memory.h"

#include <cstdlib>
#include <fstream>
#include <string>

namespace gyre::testing {

std::size_t resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

}  // namespace gyre::testing
