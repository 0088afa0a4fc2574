#include "nn/workspace_mode.h"

#include <algorithm>
#include <cctype>

#include "runtime/error.h"

namespace gyre::nn {

const char* name_of(WorkspaceMode mode) {
  switch (mode) {
    case WorkspaceMode::NONE:
      return "NONE";
    case WorkspaceMode::SINGLE:
      return "SINGLE";
    case WorkspaceMode::SEPARATE:
      return "SEPARATE";
  }
  return "?";
}

WorkspaceMode parse_workspace_mode(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lower == "none") return WorkspaceMode::NONE;
  if (lower == "single") return WorkspaceMode::SINGLE;
  if (lower == "separate") return WorkspaceMode::SEPARATE;
  throw InvalidArgumentError(
      strcat("unknown workspace mode '", text, "'; use none, single or separate"));
}

WorkspaceScope LayerContext::outputs() const {
  return output_id != nullptr ? manager->activate(output_id) : manager->scope_out();
}

WorkspaceScope LayerContext::working() const {
  return working_id != nullptr ? manager->activate(working_id) : manager->scope_out();
}

}  // namespace gyre::nn
