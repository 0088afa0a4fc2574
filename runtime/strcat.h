#pragma once
// Builds a message from any streamable values. Used for error and log text only, never on
// a hot path (it allocates).
#include <sstream>
#include <string>

namespace gyre {

template <typename... Args>
std::string strcat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

}  // namespace gyre
