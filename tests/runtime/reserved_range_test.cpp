// ReservedRange: address space reserved once, memory committed and given back in chunks at
// the same addresses (runtime/reserved_range.h).
#include "runtime/reserved_range.h"

#include <catch2/catch.hpp>
#include <cstring>

#include "runtime/error.h"
#include "runtime/fault_injecting_resource.h"
#include "runtime/memory_resource.h"
#include "runtime/statistics_resource.h"

using namespace gyre;
using host_address_space::whole_pages;

TEST_CASE("a host range grows in place and gives memory back in whole chunks",
          "[runtime][reserved-range]") {
  HostMemoryResource host;
  std::unique_ptr<ReservedRange> range = host.reserve(1 << 20);
  REQUIRE(range != nullptr);
  char* const base = range->base();
  CHECK(range->capacity() == 1 << 20);
  CHECK(range->committed() == 0);
  range->commit(10000);
  CHECK(range->committed() == whole_pages(10000));
  std::memset(base, 0x5A, 10000);
  range->commit(100000);  // a second chunk: the first keeps its place and contents
  CHECK(range->base() == base);
  CHECK(range->committed() == whole_pages(100000));
  CHECK(base[9999] == 0x5A);
  std::memset(base + 10000, 0x5B, 90000);
  range->commit(50000);  // inside the second chunk: it is given back and mapped anew below
  CHECK(range->committed() == whole_pages(50000));
  CHECK(base[9999] == 0x5A);                 // the first chunk was not touched
  std::memset(base, 0, whole_pages(50000));  // all of it is usable
  range->commit(0);
  CHECK(range->committed() == 0);
  CHECK_THROWS_AS(range->commit((1 << 20) + 1), InvalidArgumentError);
  range->commit(1 << 20);  // the whole reservation, at the same base
  CHECK(range->base() == base);
  base[(1 << 20) - 1] = 1;
}

TEST_CASE("an injected fault on a commit leaves the range as it was",
          "[runtime][reserved-range][faults]") {
  HostMemoryResource host;
  FaultTrigger trigger;
  FaultInjectingResource faulty(host, trigger);
  std::unique_ptr<ReservedRange> range = faulty.reserve(1 << 20);
  REQUIRE(range != nullptr);
  range->commit(4096);
  range->base()[0] = 7;
  trigger.arm(1);
  CHECK_THROWS_AS(range->commit(65536), OutOfMemoryError);
  CHECK(trigger.fired());
  CHECK(range->committed() == 4096);
  CHECK(range->base()[0] == 7);
  range->commit(65536);  // the next commit works
  CHECK(range->committed() == 65536);
  CHECK(range->base()[0] == 7);
}

TEST_CASE("only resources that can map memory offer a reservation", "[runtime][reserved-range]") {
  HostMemoryResource host;
  StatisticsResource counted(host);  // an adaptor: its allocations are counted, not mapped
  CHECK(host.reserve(4096) != nullptr);
  CHECK(counted.reserve(4096) == nullptr);
}
