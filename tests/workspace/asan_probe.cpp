// Plants a use of a dead cycle's memory through a raw pointer, for the AddressSanitizer
// build to catch (registered with CTest only there; the test passes when ASan reports it).
//   asan_probe spill   SPILL_EVERYTHING: the memory was really freed -> heap-use-after-free
//   asan_probe poison  normal mode: the arena region is poisoned -> use-after-poison
#include <cstdio>
#include <cstring>

#include "workspace/debug_mode.h"
#include "workspace/workspace.h"

int main(int argc, char** argv) {
  using namespace gyre;
  const bool spill = argc > 1 && std::strcmp(argv[1], "spill") == 0;
  WorkspaceConfig config;
  config.initial_size = 4096;
  config.learning = LearningPolicy::NONE;
  Workspace workspace("WS_PROBE", config, Device::cpu());
  if (spill) set_debug_mode(DebugMode::SPILL_EVERYTHING);
  workspace.enter();
  auto* stale = static_cast<volatile char*>(workspace.allocate(64, 256, Stream()).data);
  stale[0] = 1;
  workspace.leave();
  std::printf("read after the cycle ended: %d\n", stale[0]);  // the planted bug
  return 0;
}
