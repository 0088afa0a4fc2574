#include "runtime/build_info.h"

#include "runtime/cuda_backend.h"
#include "runtime/strcat.h"

namespace gyre {

BuildInfo build_info() {
  BuildInfo info;
  info.version = GYRE_VERSION;
  info.build_type = GYRE_BUILD_TYPE;
#if defined(__clang__)
  info.compiler =
      strcat("clang ", __clang_major__, ".", __clang_minor__, ".", __clang_patchlevel__);
#elif defined(__GNUC__)
  info.compiler = strcat("gcc ", __GNUC__, ".", __GNUC_MINOR__, ".", __GNUC_PATCHLEVEL__);
#else
  info.compiler = "unknown";
#endif
  info.cuda = cuda_backend::compiled();
  info.cuda_runtime_version = cuda_backend::runtime_version();
  info.cuda_driver_version = cuda_backend::driver_version();
  info.sanitizers = GYRE_SANITIZERS;
  return info;
}

}  // namespace gyre
