// copy_axis_range: ranges along any axis, checked element by element against index
// arithmetic, and the operands it refuses.
#include <catch2/catch.hpp>

#include "kernels/ops.h"
#include "runtime/error.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::kernels;
using Catch::Matchers::Contains;
using testing::random_tensor;
using testing::values_of;

TEST_CASE("copy_axis_range copies a range of any axis into a range of another tensor",
          "[kernels][copy]") {
  const std::int64_t dims[3] = {3, 5, 4};
  for (int axis = 0; axis < 3; ++axis) {
    INFO("axis " << axis);
    std::int64_t x_dims[3] = {dims[0], dims[1], dims[2]}, y_dims[3] = {dims[0], dims[1], dims[2]};
    x_dims[axis] = 5;
    y_dims[axis] = 6;
    const Tensor x = random_tensor(Shape(x_dims, 3), 1 + axis);
    const Tensor y = random_tensor(Shape(y_dims, 3), 10 + axis);
    const std::vector<double> before = values_of(y), source = values_of(x);
    copy_axis_range(x, axis, 1, y, 2, 3);  // x[1..4) -> y[2..5) along `axis`
    const std::vector<double> after = values_of(y);
    for (std::int64_t i = 0; i < y_dims[0]; ++i) {
      for (std::int64_t j = 0; j < y_dims[1]; ++j) {
        for (std::int64_t k = 0; k < y_dims[2]; ++k) {
          std::int64_t at[3] = {i, j, k};
          const std::int64_t y_index = (i * y_dims[1] + j) * y_dims[2] + k;
          const bool copied = at[axis] >= 2 && at[axis] < 5;
          if (!copied) {
            REQUIRE(after[y_index] == before[y_index]);
            continue;
          }
          at[axis] -= 1;  // y index 2 holds x index 1
          const std::int64_t x_index = (at[0] * x_dims[1] + at[1]) * x_dims[2] + at[2];
          REQUIRE(after[y_index] == source[x_index]);
        }
      }
    }
  }
}

TEST_CASE("copy_axis_range refuses mismatched operands and ranges", "[kernels][copy]") {
  const Tensor x = random_tensor({2, 3, 4}, 1), y = random_tensor({2, 5, 4}, 2);
  CHECK_THROWS_WITH(copy_axis_range(x, 1, 0, y, 3, 3), Contains("out of range"));
  CHECK_THROWS_WITH(copy_axis_range(x, 1, 2, y, 0, 2), Contains("out of range"));
  CHECK_THROWS_WITH(copy_axis_range(x, 2, 0, y, 0, 1),
                    Contains("differ in dimension 1, not only in axis 2"));
  CHECK_THROWS_WITH(copy_axis_range(x, 3, 0, y, 0, 1), Contains("axis 3"));
  CHECK_THROWS_WITH(copy_axis_range(x.transpose(1, 2), 1, 0, y, 0, 1), Contains("contiguous"));
  CHECK_THROWS_AS(copy_axis_range(x, 1, 0, cast(y, DType::f64), 0, 1), InvalidArgumentError);
}
