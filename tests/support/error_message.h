#pragma once
// The message of the gyre::Error (or subclass) an action throws, for tests that check what an
// error says; "(no error)" when it throws none. Other exceptions propagate and fail the test.
#include <functional>
#include <string>

#include "runtime/error.h"

namespace gyre::testing {

template <typename Expected = Error>
std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Expected& error) {
    return error.what();
  }
  return "(no error)";
}

}  // namespace gyre::testing
