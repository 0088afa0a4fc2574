#include <catch2/catch.hpp>
#include <cstring>

#include "kernels/batch_invariance.h"
#include "kernels/ops.h"
#include "runtime/error.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::kernels;
using testing::random_tensor;
using testing::values_of;

namespace {
// C = alpha op(A) op(B) + beta C in double, row-major.
std::vector<double> reference_gemm(const std::vector<double>& a, const std::vector<double>& b,
                                   std::vector<double> c, std::int64_t m, std::int64_t n,
                                   std::int64_t k, bool ta, bool tb, double alpha, double beta) {
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      double total = 0.0;
      for (std::int64_t p = 0; p < k; ++p) {
        const double av = ta ? a[p * m + i] : a[i * k + p];
        const double bv = tb ? b[j * k + p] : b[p * n + j];
        total += av * bv;
      }
      c[i * n + j] = alpha * total + beta * c[i * n + j];
    }
  }
  return c;
}
}  // namespace

TEST_CASE("gemm matches a float64 reference with every transpose, alpha and beta",
          "[kernels][gemm]") {
  const std::int64_t m = 37, n = 23, k = 51;
  std::uint32_t seed = 100;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      INFO("transpose_a " << ta << ", transpose_b " << tb);
      const Tensor a = random_tensor(ta ? Shape{k, m} : Shape{m, k}, seed++);
      const Tensor b = random_tensor(tb ? Shape{n, k} : Shape{k, n}, seed++);
      const Tensor c = random_tensor({m, n}, seed++);
      const auto expected_plain = reference_gemm(
          values_of(a), values_of(b), std::vector<double>(m * n, 0.0), m, n, k, ta, tb, 1.0, 0.0);
      testing::require_close(gemm(a, b, ta, tb), expected_plain, 1e-5, 1e-5);
      const auto expected_scaled =
          reference_gemm(values_of(a), values_of(b), values_of(c), m, n, k, ta, tb, 0.5, -2.0);
      testing::require_close(gemm(a, b, ta, tb, 0.5f, -2.0f, c), expected_scaled, 1e-5, 1e-5);
    }
  }
}

TEST_CASE("batched gemm multiplies each pair of matrices", "[kernels][gemm]") {
  const Tensor a = random_tensor({3, 4, 5}, 1), b = random_tensor({3, 5, 6}, 2);
  const Tensor c = gemm_batched(a, b);
  REQUIRE(c.shape() == Shape{3, 4, 6});
  const auto av = values_of(a), bv = values_of(b), cv = values_of(c);
  for (int batch = 0; batch < 3; ++batch) {
    const std::vector<double> a_i(av.begin() + batch * 20, av.begin() + batch * 20 + 20);
    const std::vector<double> b_i(bv.begin() + batch * 30, bv.begin() + batch * 30 + 30);
    const std::vector<double> c_i(cv.begin() + batch * 24, cv.begin() + batch * 24 + 24);
    testing::require_close(
        c_i, reference_gemm(a_i, b_i, std::vector<double>(24, 0.0), 4, 6, 5, false, false, 1, 0),
        1e-5, 1e-5);
  }
}

TEST_CASE("bias_add adds the bias to every row", "[kernels][gemm]") {
  const Tensor x = random_tensor({5, 7}, 3), bias = random_tensor({7}, 4);
  std::vector<double> expected = values_of(x);
  const auto b = values_of(bias);
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] += b[i % 7];
  testing::require_close(bias_add(x, bias), expected, 1e-6, 1e-6);
}

TEST_CASE("gemm operand errors name the operands and their shapes", "[kernels][gemm][errors]") {
  using Catch::Matchers::Contains;
  const Tensor a = random_tensor({3, 4}, 1), b = random_tensor({5, 6}, 2);
  CHECK_THROWS_AS(gemm(a, b), InvalidArgumentError);
  CHECK_THROWS_WITH(gemm(a, b), Contains("gemm") && Contains("[3, 4] f32 cpu:0") &&
                                    Contains("[5, 6] f32 cpu:0") && Contains("inner dimensions"));
  CHECK_THROWS_WITH(gemm(a, random_tensor({4, 2}, 3), false, false, 1.0f, 1.0f),
                    Contains("out must be given"));
  CHECK_THROWS_WITH(
      gemm(a, random_tensor({4, 2}, 3), false, false, 1.0f, 0.0f, random_tensor({2, 2}, 4)),
      Contains("output out [2, 2] f32 cpu:0 must be [3, 2]"));
  Tensor integers = Tensor::empty({4, 2}, DType::i32);
  CHECK_THROWS_WITH(gemm(a, integers), Contains("operand b [4, 2] i32 cpu:0 must be f32"));
  CHECK_THROWS_WITH(gemm(a.transpose(0, 1), random_tensor({3, 2}, 5)),
                    Contains("must be contiguous"));
  CHECK_THROWS_WITH(bias_add(a, random_tensor({3}, 6)), Contains("bias [3] f32"));
  CHECK_THROWS_WITH(gemm(random_tensor({2, 3, 4}, 7), b), Contains("must have rank 2"));
}

TEST_CASE("channel bias add and its gradient work per channel of [N, C, H, W]", "[kernels][gemm]") {
  const Tensor x = random_tensor({2, 3, 4, 5}, 8), bias = random_tensor({3}, 9);
  std::vector<double> expected = values_of(x);
  const auto b = values_of(bias);
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] += b[(i / 20) % 3];
  testing::require_close(channel_bias_add(x, bias), expected, 1e-6, 1e-6);
  const auto xv = values_of(x);
  std::vector<double> sums(3, 0.0);
  for (std::size_t i = 0; i < xv.size(); ++i) sums[(i / 20) % 3] += xv[i];
  testing::require_close(channel_sum(x), sums, 1e-5, 1e-5);
  CHECK_THROWS_AS(channel_bias_add(x, random_tensor({4}, 10)), InvalidArgumentError);
}

TEST_CASE("a single-row gemm (the sgemv path) matches float64 with and without transposes",
          "[kernels][gemm]") {
  for (bool tb : {false, true}) {
    const Tensor a = random_tensor({1, 37}, 11),
                 b = random_tensor(tb ? Shape{19, 37} : Shape{37, 19}, 12);
    const Tensor c = random_tensor({1, 19}, 13);
    const auto expected =
        reference_gemm(values_of(a), values_of(b), values_of(c), 1, 19, 37, false, tb, 0.5, 2.0);
    testing::require_close(gemm(a, b, false, tb, 0.5f, 2.0f, copy_to(c, Device::cpu())), expected,
                           1e-5, 1e-5);
  }
}

TEST_CASE("under a BatchInvariantScope each GEMM row has the same bits at any batch size",
          "[kernels][gemm]") {
  for (auto [k, n] :
       {std::pair<std::int64_t, std::int64_t>{784, 256}, {256, 128}, {128, 10}, {20, 16}}) {
    INFO("k " << k << ", n " << n);
    const Tensor weights = testing::random_tensor({k, n}, 3);
    const Tensor rows = testing::random_tensor({37, k}, 4);  // not a multiple of the block
    const kernels::BatchInvariantScope invariant;
    const Tensor all = kernels::gemm(rows, weights);
    for (std::int64_t first : {0, 5, 8, 13, 36}) {
      for (std::int64_t count : {1, 3, 8}) {
        if (first + count > 37) continue;
        const Tensor some = kernels::gemm(rows.slice(0, first, first + count), weights);
        for (std::int64_t r = 0; r < count; ++r) {
          INFO("row " << first + r << " of a call of " << count);
          CHECK(std::memcmp(some.data<float>() + r * n, all.data<float>() + (first + r) * n,
                            static_cast<std::size_t>(n) * sizeof(float)) == 0);
        }
      }
    }
  }
}
