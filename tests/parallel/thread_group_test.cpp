// The in-process Communicator backend: the shared contract on 1–4 threads, aborts that
// wake every waiter, and mismatched buffers refused.
#include "parallel/thread_group.h"

#include <catch2/catch.hpp>
#include <exception>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/parallel/communicator_contract.h"

using namespace gyre;
using namespace gyre::parallel;

namespace {
// Runs `body(member)` on one thread per member; returns each thread's exception.
template <typename Body>
std::vector<std::exception_ptr> on_threads(ThreadGroup& group, Body body) {
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(group.size()));
  std::vector<std::thread> threads;
  for (int i = 0; i < group.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        body(group.member(i));
      } catch (...) {
        failures[static_cast<std::size_t>(i)] = std::current_exception();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return failures;
}
void require_no_failure(const std::vector<std::exception_ptr>& failures) {
  for (const std::exception_ptr& failure : failures) {
    if (failure != nullptr) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& error) {
        FAIL(error.what());
      }
    }
  }
}
}  // namespace

TEST_CASE("thread groups of 1 to 4 members keep the communicator contract", "[parallel][threads]") {
  for (int size = 1; size <= 4; ++size) {
    INFO("members " << size);
    ThreadGroup group(size);
    for (int repeat = 0; repeat < 3; ++repeat)
      require_no_failure(on_threads(
          group, [](Communicator& member) { testing::check_communicator_contract(member); }));
  }
}

TEST_CASE("an abort wakes every member waiting in a collective", "[parallel][threads]") {
  ThreadGroup group(3);
  std::vector<float> data(10, 1.0f);
  const auto failures = on_threads(group, [&](Communicator& member) {
    if (member.rank() == 2) {
      group.abort("worker 2 failed: out of data");  // never joins the collective
      return;
    }
    std::vector<float> mine(10, 1.0f);
    member.average(Tensor::wrap(mine.data(), {10}, DType::f32));
  });
  for (int i = 0; i < 2; ++i) {
    REQUIRE(failures[static_cast<std::size_t>(i)] != nullptr);
    CHECK_THROWS_WITH(std::rethrow_exception(failures[static_cast<std::size_t>(i)]),
                      Catch::Matchers::Contains("worker 2 failed: out of data"));
  }
  group.reset();
  require_no_failure(on_threads(
      group, [](Communicator& member) { testing::check_communicator_contract(member); }));
}

TEST_CASE("members with different buffer sizes are refused", "[parallel][threads]") {
  ThreadGroup group(2);
  const auto failures = on_threads(group, [](Communicator& member) {
    std::vector<float> mine(static_cast<std::size_t>(8 + member.rank()), 1.0f);
    member.average(Tensor::wrap(mine.data(), {8 + member.rank()}, DType::f32));
  });
  REQUIRE(failures[1] != nullptr);
  CHECK_THROWS_WITH(std::rethrow_exception(failures[1]),
                    Catch::Matchers::Contains("every member must pass the same buffer size"));
}

TEST_CASE("back-to-back collectives of growing sizes never read a freed sum",
          "[parallel][threads]") {
  // The ParallelWrapper averages parameters, then the (larger) updater state: a member that
  // starts the second collective must not grow the scratch under one still reading the first.
  ThreadGroup group(3);
  require_no_failure(on_threads(group, [](Communicator& member) {
    for (int round = 0; round < 50; ++round) {
      for (std::int64_t count : {53 + round, 106 + 2 * round}) {
        std::vector<float> mine(static_cast<std::size_t>(count), static_cast<float>(member.rank()));
        member.average(Tensor::wrap(mine.data(), {count}, DType::f32));
        for (float value : mine) {
          if (value != 1.0f) throw std::logic_error("average of 0, 1, 2 is not 1");
        }
      }
    }
  }));
}
