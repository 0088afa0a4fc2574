#include "tests/support/parallel_run.h"

#include <catch2/catch.hpp>
#include <exception>
#include <thread>
#include <vector>

namespace gyre::testing {

void run_in_parallel(int threads, const std::function<void(int)>& body) {
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(threads));
  std::vector<std::thread> running;
  for (int i = 0; i < threads; ++i) {
    running.emplace_back([&, i] {
      try {
        body(i);
      } catch (...) {
        failures[static_cast<std::size_t>(i)] = std::current_exception();
      }
    });
  }
  for (std::thread& thread : running) thread.join();
  for (std::size_t i = 0; i < failures.size(); ++i) {
    if (failures[i] == nullptr) continue;
    try {
      std::rethrow_exception(failures[i]);
    } catch (const std::exception& error) {
      FAIL("thread " << i << " failed: " << error.what());
    }
  }
}

}  // namespace gyre::testing
