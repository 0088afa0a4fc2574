#pragma once
// Waits for a state another thread reaches: `condition` is tested until it holds or
// `limit` passes (then false, and the test fails). For a state that, once reached, stays
// until the test changes something: so what the test asserts next is not a race.
#include <chrono>
#include <thread>

namespace gyre::testing {

template <typename Condition>
bool eventually(Condition condition, std::chrono::seconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace gyre::testing
