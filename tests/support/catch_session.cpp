// The Catch2 implementation for every test binary, with strict logging: a test that logs
// an unexpected warning makes the run fail.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "tests/support/strict_logging.h"

namespace {
bool unexpected_warnings = false;

struct StrictLoggingListener : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo&) override { gyre::testing::begin_test_case(); }
  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    if (gyre::testing::end_test_case_with_unexpected_warnings(stats.testInfo.name.c_str())) {
      unexpected_warnings = true;
    }
  }
};
}  // namespace

CATCH_REGISTER_LISTENER(StrictLoggingListener)

namespace gyre::testing {
int run_tests(int argc, char** argv) {
  const int failures = Catch::Session().run(argc, argv);
  return failures != 0 ? failures : (unexpected_warnings ? 1 : 0);
}
}  // namespace gyre::testing
