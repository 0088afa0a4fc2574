#include <catch2/catch.hpp>

#include "kernels/ops.h"
#include "runtime/error.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::kernels;
using testing::random_tensor;
using testing::values_of;

TEST_CASE("sum, mean and max over each axis match float64", "[kernels][reductions]") {
  const Tensor x = random_tensor({3, 4, 5}, 51);
  const auto v = values_of(x);
  for (int axis = 0; axis < 3; ++axis) {
    for (Reduction reduction : {Reduction::sum, Reduction::mean, Reduction::max}) {
      INFO("axis " << axis << ", " << name_of(reduction));
      const std::int64_t dims[3] = {3, 4, 5};
      std::vector<double> expected;
      for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 4; ++j) {
          for (int k = 0; k < 5; ++k) {
            const int index[3] = {i, j, k};
            if (index[axis] != 0) continue;
            double total = 0.0, largest = -1e300;
            for (int a = 0; a < dims[axis]; ++a) {
              int at[3] = {i, j, k};
              at[axis] = a;
              const double value = v[(at[0] * 4 + at[1]) * 5 + at[2]];
              total += value;
              largest = std::max(largest, value);
            }
            expected.push_back(reduction == Reduction::sum ? total
                               : reduction == Reduction::mean
                                   ? total / static_cast<double>(dims[axis])
                                   : largest);
          }
        }
      }
      const Tensor y = reduce(reduction, x, axis);
      CHECK(y.shape().rank() == 2);
      testing::require_close(y, expected, 1e-6, 1e-6);
      CHECK(reduce(reduction, x, axis - 3, true).shape().dim(axis) == 1);
    }
  }
}

TEST_CASE("argmax returns the first maximum as i64", "[kernels][reductions]") {
  const Tensor x = testing::tensor_from({2, 4}, {1, 5, 5, 2, -1, -3, -0.5, -2});
  const Tensor indices = argmax(x, 1);
  CHECK(indices.dtype() == DType::i64);
  CHECK(values_of(indices) == std::vector<double>{1, 2});
  CHECK(values_of(argmax(x, 0)) == std::vector<double>{0, 0, 0, 0});
  CHECK_THROWS_WITH(reduce(Reduction::sum, x, 2),
                    Catch::Matchers::Contains("axis 2 is out of range for x [2, 4]"));
}
