#include "tests/support/strict_logging.h"

#include <iostream>

#include "runtime/log.h"

namespace gyre::testing {
namespace {
std::uint64_t warnings_at_start = 0;
std::uint64_t warnings_allowed = 0;
}  // namespace

void allow_warnings(std::uint64_t count) {
  warnings_allowed += count;
}

void begin_test_case() {
  warnings_at_start = log::warning_count();
  warnings_allowed = 0;
}

bool end_test_case_with_unexpected_warnings(const char* test_name) {
  const std::uint64_t logged = log::warning_count() - warnings_at_start;
  if (logged <= warnings_allowed) return false;
  std::cerr << "FAILED: test case '" << test_name << "' logged " << logged
            << " warning(s)/error(s) but allowed " << warnings_allowed
            << " (see the log lines above); tests fail on unexpected warnings\n";
  return true;
}

}  // namespace gyre::testing
