// copy_axis_range: ranges along any axis, checked element by element against index
// arithmetic, and the operands it refuses; gather_rows and scatter_add_rows (embeddings)
// against loops, repeated ids and bad ids included.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

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

TEST_CASE("gather_rows reads table rows by id and scatter_add_rows sums their gradients",
          "[kernels][copy]") {
  const std::int64_t rows = 6, width = 5;
  const Tensor table = random_tensor({rows, width}, 71);
  Tensor ids = Tensor::empty_detached({2, 4});
  const float values[8] = {3, 0, 5, 3, 1, 3, 2, 5};  // 3 and 5 repeat
  std::copy(values, values + 8, ids.data<float>());
  const Tensor y = gather_rows(table, ids);
  REQUIRE(y.shape() == Shape({2, 4, width}));
  const std::vector<double> t = values_of(table), got = values_of(y);
  for (std::size_t r = 0; r < 8; ++r)
    for (std::size_t c = 0; c < width; ++c)
      REQUIRE(got[r * width + c] == t[static_cast<std::size_t>(values[r]) * width + c]);
  const Tensor dy = random_tensor({2, 4, width}, 72);
  Tensor dtable = random_tensor({rows, width}, 73);  // overwritten, not accumulated into
  scatter_add_rows(dy, ids, dtable);
  std::vector<double> expected(rows * width, 0.0);
  const std::vector<double> d = values_of(dy);
  for (std::size_t r = 0; r < 8; ++r)
    for (std::size_t c = 0; c < width; ++c)
      expected[static_cast<std::size_t>(values[r]) * width + c] += d[r * width + c];
  testing::require_close(dtable, expected, 1e-6, 1e-7);

  for (float bad : {6.0f, -1.0f, 2.5f, std::nanf("")}) {
    INFO("id " << bad);
    ids.data<float>()[5] = bad;
    CHECK_THROWS_WITH(gather_rows(table, ids),
                      Contains("at position 5") && Contains("is not an integer in [0, 6)"));
    CHECK_THROWS_AS(scatter_add_rows(dy, ids, dtable), InvalidArgumentError);
  }
  CHECK_THROWS_AS(gather_rows(table.reshape({30}), ids), InvalidArgumentError);
  CHECK_THROWS_AS(scatter_add_rows(random_tensor({8, 4}, 74), ids, dtable), InvalidArgumentError);
}
