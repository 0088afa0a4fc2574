#include "tools/bench/process_memory.h"

#include <fstream>
#include <string>

namespace gyre::bench {

double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kibibytes = 0;
      status >> kibibytes;
      return kibibytes / 1024.0;
    }
  }
  return 0.0;
}

}  // namespace gyre::bench
