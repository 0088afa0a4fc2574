// The workspace warm-start file (learned sizes) on arbitrary text.
#include <string>

#include "tests/fuzz/fuzz_main.h"
#include "workspace/workspace_manager.h"

namespace {
void parse(const std::uint8_t* data, std::size_t size) {
  (void)gyre::WorkspaceManager::parse_learned_sizes(
      std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
}
}  // namespace

GYRE_FUZZ_TARGET(parse)
