#include "runtime/shape.h"

#include <catch2/catch.hpp>

#include "runtime/error.h"

using Catch::Matchers::Contains;
using gyre::InvalidArgumentError;
using gyre::Shape;

TEST_CASE("a shape stores row-major strides inline", "[runtime][shape]") {
  const Shape shape{2, 3, 4};
  REQUIRE(shape.rank() == 3);
  CHECK(shape.numel() == 24);
  CHECK(shape.stride(0) == 12);
  CHECK(shape.stride(1) == 4);
  CHECK(shape.stride(2) == 1);
  CHECK(shape.dim(-1) == 4);
  CHECK(shape.is_contiguous());
  CHECK(shape.to_string() == "[2, 3, 4]");
  CHECK(Shape{}.numel() == 1);
  CHECK(Shape{0, 5}.numel() == 0);
}

TEST_CASE("transposing swaps dims and strides without becoming contiguous", "[runtime][shape]") {
  const Shape shape = Shape{2, 3}.transposed(0, 1);
  CHECK(shape == Shape{3, 2});
  CHECK(shape.stride(0) == 1);
  CHECK(shape.stride(1) == 3);
  CHECK_FALSE(shape.is_contiguous());
  CHECK_FALSE(shape.same_layout(Shape{3, 2}));
  CHECK(shape.storage_extent() == 6);
}

TEST_CASE("reshaping keeps the element count", "[runtime][shape]") {
  const Shape shape{4, 6};
  CHECK(shape.reshaped({2, 12}) == Shape{2, 12});
  CHECK_THROWS_AS(shape.reshaped({5, 5}), InvalidArgumentError);
  CHECK_THROWS_WITH(shape.reshaped({5, 5}), Contains("[4, 6]") && Contains("[5, 5]") &&
                                                Contains("24 elements") && Contains("25 elements"));
  const Shape transposed = shape.transposed(0, 1);
  CHECK_THROWS_WITH(transposed.reshaped({24}), Contains("non-contiguous"));
}

TEST_CASE("bad shapes raise errors naming the offending values", "[runtime][shape]") {
  CHECK_THROWS_AS((Shape{2, -3}), InvalidArgumentError);
  CHECK_THROWS_WITH((Shape{2, -3}), Contains("[2, -3]") && Contains("-3") && Contains("axis 1"));
  CHECK_THROWS_WITH((Shape{1, 1, 1, 1, 1, 1, 1, 1, 1}),
                    Contains("rank 9") && Contains("at most 8"));
  CHECK_THROWS_WITH(Shape({2, 3}).dim(2), Contains("axis 2") && Contains("[2, 3]"));
  CHECK_THROWS_WITH(Shape({2, 3}).transposed(0, -3), Contains("axis -3"));
}

TEST_CASE("a shape whose element count overflows 64 bits is refused (found by fuzzing)",
          "[runtime][shape]") {
  // The IDX fuzzer's input: dims read from a file whose product overflows int64.
  CHECK_THROWS_WITH(Shape({463290874462208, 3503303632}),
                    Catch::Matchers::Contains("more elements than a 64-bit index can count"));
  CHECK_THROWS_AS(Shape({1LL << 32, 1LL << 32}), InvalidArgumentError);
  CHECK(Shape({1LL << 31, 1LL << 31}).numel() == (1LL << 62));
  CHECK(Shape({0, 1LL << 40, 1LL << 22}).numel() == 0);
}
