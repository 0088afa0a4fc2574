#include "runtime/tensor.h"

#include <catch2/catch.hpp>
#include <cstdint>

#include "runtime/detached_memory.h"
#include "runtime/error.h"
#include "runtime/memory_scope.h"
#include "tests/support/allocation_counter.h"

using namespace gyre;
using Catch::Matchers::Contains;

namespace {

// A minimal lifetime: epochs below `first_live` have ended.
class TestLifetime final : public Lifetime {
 public:
  void end_before(std::uint64_t epoch) { end_epochs_before(epoch); }
  std::string describe_stale(std::uint64_t epoch) const override {
    return strcat("from test arena belongs to epoch ", epoch, ", which ended");
  }
};

// A bump scope over a fixed buffer: what a workspace does, without the workspace layer.
class BumpScope final : public MemoryScope {
 public:
  explicit BumpScope(TestLifetime& lifetime) : lifetime_(lifetime) {
    previous_ = MemoryScope::exchange_current(Device::cpu(), this);
  }
  ~BumpScope() { MemoryScope::exchange_current(Device::cpu(), previous_); }
  bool owns(const Lifetime* lifetime) const override { return lifetime == &lifetime_; }
  ScopedAllocation allocate(std::size_t bytes, std::size_t alignment, Stream) override {
    offset_ = (offset_ + alignment - 1) / alignment * alignment;
    REQUIRE(offset_ + bytes <= sizeof(buffer_));
    void* data = buffer_ + offset_;
    offset_ += bytes;
    return {data, &lifetime_, epoch};
  }
  std::uint64_t epoch = 0;

 private:
  TestLifetime& lifetime_;
  MemoryScope* previous_;
  alignas(256) unsigned char buffer_[1 << 16];
  std::size_t offset_ = 0;
};

}  // namespace

TEST_CASE("creating, copying and viewing tensors performs no heap allocation",
          "[runtime][tensor]") {
  TestLifetime lifetime;
  BumpScope scope(lifetime);
  float external[12] = {};
  testing::HeapAllocationCounter counter;

  Tensor a = Tensor::empty({4, 8}, DType::f32);
  Tensor b = a;
  Tensor c = std::move(b);
  b = c;
  Tensor t = a.transpose(0, 1);
  Tensor r = a.reshape({2, 16});
  Tensor s = a.slice(0, 1, 3);
  Tensor w = Tensor::wrap(external, {3, 4}, DType::f32);
  Tensor wv = w.reshape({12});
  a.data<float>()[0] = 1.0f;

  CHECK(counter.count() == 0);
  CHECK(a.is_attached());
  CHECK_FALSE(a.is_detached());
  CHECK(t.shape() == Shape{8, 4});
  CHECK(r.shape() == Shape{2, 16});
  CHECK(s.shape() == Shape{2, 8});
  CHECK(static_cast<float*>(s.unchecked_data()) == a.data<float>() + 8);
  CHECK(wv.unchecked_data() == external);
}

TEST_CASE("the counter sees heap allocations when they happen", "[runtime][tensor]") {
  testing::HeapAllocationCounter counter;
  // Through a volatile pointer, so that the compiler cannot elide the new/delete pair.
  int* volatile value = new int(3);
  delete value;
  CHECK(counter.count() == 1);
}

TEST_CASE("without a scope, tensors are detached and reference counted", "[runtime][tensor]") {
  CachingResource& cache = detached_resource(Device::cpu());
  const auto in_use_before = cache.statistics().in_use_bytes;
  {
    Tensor a = Tensor::empty({16, 16}, DType::f64);
    CHECK(a.is_detached());
    CHECK(a.use_count() == 1);
    CHECK(a.nbytes() == 16 * 16 * 8);
    {
      Tensor b = a;
      Tensor v = a.transpose(0, 1);
      CHECK(a.use_count() == 3);
      testing::HeapAllocationCounter counter;
      Tensor c = b;
      CHECK(counter.count() == 0);
    }
    CHECK(a.use_count() == 1);
    CHECK(cache.statistics().in_use_bytes == in_use_before + CachingResource::size_class(2048));
  }
  CHECK(cache.statistics().in_use_bytes == in_use_before);
}

TEST_CASE("a tensor whose epoch ended is stale and says so", "[runtime][tensor]") {
  TestLifetime lifetime;
  BumpScope scope(lifetime);
  scope.epoch = 17;
  Tensor tensor = Tensor::empty({64, 256});
  CHECK(tensor.is_valid());
  CHECK_NOTHROW(tensor.data<float>());

  lifetime.end_before(18);
  CHECK_FALSE(tensor.is_valid());
  CHECK_THROWS_AS(tensor.data_ptr(), WorkspaceError);
  CHECK_THROWS_WITH(tensor.data_ptr(),
                    "tensor [64, 256] f32 from test arena belongs to epoch 17, which ended");
  CHECK_THROWS_AS(tensor.reshape({256, 64}), WorkspaceError);

  set_workspace_validation(false);
  CHECK_NOTHROW(tensor.data_ptr());
  set_workspace_validation(true);
}

TEST_CASE("tensor misuse raises errors naming the tensor", "[runtime][tensor]") {
  Tensor tensor = Tensor::empty({3, 5}, DType::f32);
  CHECK_THROWS_WITH(tensor.data<double>(), Contains("[3, 5] f32 cpu:0") && Contains("f64"));
  CHECK_THROWS_WITH(tensor.slice(1, 2, 7), Contains("[2, 7)") && Contains("[3, 5] f32"));
  CHECK_THROWS_WITH(tensor.reshape({4, 4}), Contains("[3, 5]") && Contains("[4, 4]"));
  CHECK_THROWS_AS(Tensor::wrap(nullptr, {2}, DType::f32), InvalidArgumentError);
  CHECK_THROWS_AS(Tensor::empty({2}, DType::f32, Device::cuda(device_count(DeviceType::cuda))),
                  Error);
}

TEST_CASE("an undefined tensor and an empty one differ", "[runtime][tensor]") {
  CHECK_FALSE(Tensor().defined());
  const Tensor empty = Tensor::empty({0, 4});
  CHECK(empty.defined());
  CHECK(empty.nbytes() == 0);
}
