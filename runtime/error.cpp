#include "runtime/error.h"

namespace gyre::detail {

void throw_internal(const char* condition, const char* file, int line, const std::string& message) {
  throw InternalError(strcat("internal error: ", condition, " failed at ", file, ":", line,
                             message.empty() ? "" : ": ", message,
                             " (this is a bug in Gyre; please report it)"));
}

}  // namespace gyre::detail
