#pragma once
// What this build of Gyre is: version, compiler, CUDA.
#include <string>

namespace gyre {

struct BuildInfo {
  std::string version;
  std::string build_type;
  std::string compiler;
  bool cuda = false;             // the CUDA backend is compiled in
  int cuda_runtime_version = 0;  // 13000 = 13.0; 0 without CUDA or driver
  int cuda_driver_version = 0;
  std::string sanitizers;  // "" or "address,undefined" / "thread"
};

BuildInfo build_info();

}  // namespace gyre
