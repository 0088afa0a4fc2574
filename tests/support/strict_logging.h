#pragma once
// Tests are strict: a warning or error logged by Gyre during a test fails that test unless
// the test announced it with allow_warnings().
#include <cstdint>

namespace gyre::testing {

/// The current test expects `count` more warnings (or errors) to be logged.
void allow_warnings(std::uint64_t count);

/// Called by the test mains around each test case.
void begin_test_case();
/// True when the test case logged more warnings than it allowed; prints which ones.
bool end_test_case_with_unexpected_warnings(const char* test_name);

}  // namespace gyre::testing

namespace gyre::testing {
/// Runs the Catch2 session; nonzero on a failed assertion or an unexpected warning.
int run_tests(int argc, char** argv);
}  // namespace gyre::testing
