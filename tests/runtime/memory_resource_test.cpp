#include <catch2/catch.hpp>
#include <cstdint>

#include "runtime/caching_resource.h"
#include "runtime/cuda_backend.h"
#include "runtime/detached_memory.h"
#include "runtime/error.h"
#include "runtime/fault_injecting_resource.h"
#include "runtime/statistics_resource.h"
#include "runtime/system_resources.h"
#include "tests/support/memory_resource_contract.h"

using namespace gyre;
using Catch::Matchers::Contains;

TEST_CASE("host memory meets the resource contract", "[runtime][memory]") {
  HostMemoryResource host;
  testing::check_memory_resource_contract(host);
}

TEST_CASE("caching host memory meets the resource contract", "[runtime][memory]") {
  HostMemoryResource host;
  CachingResource caching(host);
  testing::check_memory_resource_contract(caching);
}

TEST_CASE("an impossible host allocation names its size", "[runtime][memory]") {
  HostMemoryResource host;
  const std::size_t huge = std::size_t{1} << 62;
  CHECK_THROWS_AS(host.allocate(huge), OutOfMemoryError);
  CHECK_THROWS_WITH(host.allocate(huge), Contains(std::to_string(huge)));
}

TEST_CASE("statistics count every call made through the adaptor", "[runtime][memory]") {
  HostMemoryResource host;
  StatisticsResource counted(host);
  void* a = counted.allocate(100);
  void* b = counted.allocate(300);
  counted.deallocate(a, 100);
  void* c = counted.allocate(50);
  ResourceStatistics statistics = counted.statistics();
  CHECK(statistics.allocation_count == 3);
  CHECK(statistics.deallocation_count == 1);
  CHECK(statistics.allocated_bytes == 450);
  CHECK(statistics.freed_bytes == 100);
  CHECK(statistics.current_bytes == 350);
  CHECK(statistics.peak_bytes == 400);
  CHECK(statistics.current_count == 2);
  CHECK(statistics.peak_count == 2);

  counted.reset_peaks_and_totals();
  statistics = counted.statistics();
  CHECK(statistics.allocation_count == 0);
  CHECK(statistics.peak_bytes == 350);
  counted.deallocate(b, 300);
  counted.deallocate(c, 50);
  CHECK(counted.statistics().current_bytes == 0);
  CHECK(counted.name() == "statistics(host)");
}

TEST_CASE("the caching resource reuses blocks of a size class and trims them",
          "[runtime][memory]") {
  HostMemoryResource host;
  StatisticsResource upstream(host);
  CachingResource caching(upstream);

  void* first = caching.allocate(1000);
  caching.deallocate(first, 1000);
  CHECK(caching.statistics().cached_bytes == 1024);
  void* second = caching.allocate(900);  // same 1 KiB class
  CHECK(second == first);
  CHECK(upstream.statistics().allocation_count == 1);
  CHECK(caching.statistics().hits == 1);
  CHECK(caching.statistics().misses == 1);

  void* other = caching.allocate(5000);  // another class: a new upstream block
  CHECK(upstream.statistics().allocation_count == 2);
  caching.deallocate(second, 900);
  caching.deallocate(other, 5000);
  CHECK(upstream.statistics().current_bytes == 1024 + 8192);

  CHECK(caching.trim() == 1024 + 8192);
  CHECK(upstream.statistics().current_bytes == 0);
  CHECK(caching.statistics().cached_bytes == 0);
  CHECK(caching.statistics().trimmed_bytes == 1024 + 8192);
  CHECK_THROWS_WITH(caching.allocate(64, 4096), Contains("4096"));
}

TEST_CASE("caching size classes are powers of two, then whole MiB", "[runtime][memory]") {
  CHECK(CachingResource::size_class(1) == 512);
  CHECK(CachingResource::size_class(513) == 1024);
  CHECK(CachingResource::size_class(65536) == 65536);
  CHECK(CachingResource::size_class((1u << 20) + 1) == 2u << 20);
}

TEST_CASE("a block freed on one stream is reused only on that stream", "[runtime][memory]") {
  HostMemoryResource host;
  CachingResource caching(host);
  int tag_a = 0, tag_b = 0;
  const Stream stream_a(Device::cpu(), &tag_a), stream_b(Device::cpu(), &tag_b);
  void* block = caching.allocate(2048, kDefaultAlignment, stream_a);
  caching.deallocate(block, 2048, kDefaultAlignment, stream_a);
  void* on_b = caching.allocate(2048, kDefaultAlignment, stream_b);
  CHECK(on_b != block);
  void* on_a = caching.allocate(2048, kDefaultAlignment, stream_a);
  CHECK(on_a == block);
  caching.deallocate(on_a, 2048, kDefaultAlignment, stream_a);
  caching.deallocate(on_b, 2048, kDefaultAlignment, stream_b);
}

TEST_CASE("the CUDA resources say what is missing on a machine without CUDA", "[runtime][memory]") {
  if (device_count(DeviceType::cuda) > 0) return;  // covered by runtime_cuda_tests
  CHECK_THROWS_AS(DeviceMemoryResource(Device::cuda(0)), Error);
  CHECK_THROWS_WITH(AsyncDeviceMemoryResource(Device::cuda(0)), Contains("cuda:0"));
  CHECK_THROWS_AS(DeviceMemoryResource(Device::cpu()), DeviceError);
  if (!cuda_backend::compiled()) {
    CHECK_THROWS_AS(PinnedHostMemoryResource(DeviceType::cuda), NotAvailableError);
    CHECK_THROWS_WITH(PinnedHostMemoryResource(), Contains("not available in this build"));
  } else {
    PinnedHostMemoryResource pinned;
    CHECK_THROWS_AS(pinned.allocate(64), Error);
  }
  CHECK_THROWS_AS(PinnedHostMemoryResource(DeviceType::cpu), DeviceError);
}

TEST_CASE("detached memory comes from one caching resource per device", "[runtime][memory]") {
  CachingResource& cpu = detached_resource(Device::cpu());
  CHECK(&cpu == &detached_resource(Device::cpu()));
  CHECK(cpu.name() == "caching(host)");
  CHECK_THROWS_AS(detached_resource(Device::cuda(device_count(DeviceType::cuda))), Error);
}

TEST_CASE("fault injection fails exactly the n-th allocation of its memory kind, once",
          "[runtime][memory][faults]") {
  HostMemoryResource plain;
  FaultTrigger trigger;
  FaultInjectingResource faulty(plain, trigger);
  CHECK(faulty.name() == plain.name());  // transparent in statistics and messages
  CHECK_THROWS_AS(trigger.arm(0), InvalidArgumentError);
  trigger.arm(3);
  void* first = faulty.allocate(64);
  void* second = faulty.allocate(64);
  CHECK_FALSE(trigger.fired());
  CHECK_THROWS_WITH(faulty.allocate(128),
                    Contains("injected fault") && Contains("host") && Contains("128 bytes"));
  CHECK(trigger.fired());
  void* after = faulty.allocate(128);  // once only: the next allocation succeeds
  CHECK(after != nullptr);
  faulty.deallocate(after, 128);
  faulty.deallocate(first, 64);
  faulty.deallocate(second, 64);

  // The process's host resource allocates through the host trigger.
  FaultTrigger& host = fault_injection(MemoryKind::host);
  host.arm(1);
  CHECK_THROWS_AS(host_resource().allocate(64), OutOfMemoryError);
  host.disarm();
  void* block = host_resource().allocate(64);
  host_resource().deallocate(block, 64);
  if (!cuda_backend::compiled()) {
    CHECK_THROWS_AS(fault_injection(MemoryKind::pinned_host), NotAvailableError);
    CHECK_THROWS_AS(fault_injection(MemoryKind::device, Device::cuda(0)), NotAvailableError);
  }
  CHECK_THROWS_AS(fault_injection(MemoryKind::device, Device::cpu()), DeviceError);
}
