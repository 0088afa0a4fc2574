#include "runtime/cpu_placement.h"

#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/thread_affinity.h"

using namespace gyre;

namespace {
cpu_set_t affinity_of(pthread_t thread) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  REQUIRE(pthread_getaffinity_np(thread, sizeof mask, &mask) == 0);
  return mask;
}

bool same_cpus(const cpu_set_t& a, const cpu_set_t& b) {
  return CPU_EQUAL(&a, &b);
}
}  // namespace

TEST_CASE("CpuPlacement moves a thread off one CPU, never beyond the CPUs it was given",
          "[runtime][placement]") {
  const testing::ScopedAffinity affinity;
  const cpu_set_t& given = affinity.given();
  REQUIRE(CPU_COUNT(&affinity.given()) > 0);  // the thread's CPUs were read
  CHECK(CpuPlacement::current_cpu() >= 0);
  CHECK(CPU_ISSET(CpuPlacement::current_cpu(), &given));

  // A thread confined to one CPU (a user's taskset) stays there.
  int first = 0;
  while (!CPU_ISSET(first, &given)) ++first;
  REQUIRE(testing::ScopedAffinity::pin_to(first));
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  CpuPlacement confined = CpuPlacement::of_current_thread();
  CHECK_FALSE(confined.avoid(first));
  CHECK(same_cpus(one, affinity_of(pthread_self())));
  CHECK_FALSE(confined.avoid(-1));
  CHECK_FALSE(confined.avoid(CPU_SETSIZE));

  if (CPU_COUNT(&given) < 2) {
    WARN("one CPU: no move to check");
    return;
  }
  // With its CPUs back, it can leave the first one, and only that one.
  REQUIRE(pthread_setaffinity_np(pthread_self(), sizeof given, &given) == 0);
  CpuPlacement placement = CpuPlacement::of_current_thread();
  REQUIRE(placement.avoid(first));
  cpu_set_t expected = given;
  CPU_CLR(first, &expected);
  CHECK(same_cpus(expected, affinity_of(pthread_self())));
  std::this_thread::yield();
  CHECK(CpuPlacement::current_cpu() != first);
}
