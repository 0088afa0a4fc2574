#include <catch2/catch.hpp>
#include <cmath>

#include "kernels/ops.h"
#include "kernels/philox.h"
#include "runtime/error.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::kernels;
using testing::values_of;

TEST_CASE("Philox4x32-10 gives the published known-answer values", "[kernels][random]") {
  // Random123's kat_vectors: philox4x32_10, counter 0, key 0 -> 6627e8d5 e169c58d bc57ac4c
  // 9b00dbd8.
  const philox::Block block = philox::generate(0, 0);
  CHECK(block.word[0] == 0x6627e8d5u);
  CHECK(block.word[1] == 0xe169c58du);
  CHECK(block.word[2] == 0xbc57ac4cu);
  CHECK(block.word[3] == 0x9b00dbd8u);
}

TEST_CASE("dropout keeps about 1 - p, scales by 1 / (1 - p), and is a function of seed and offset",
          "[kernels][random]") {
  const Tensor x = testing::random_tensor({200, 100}, 61, 0.5f, 1.5f);
  const Tensor y = dropout(x, 0.3f, 1234);
  const auto xv = values_of(x), yv = values_of(y);
  std::int64_t kept = 0;
  for (std::size_t i = 0; i < xv.size(); ++i) {
    if (yv[i] != 0.0) {
      ++kept;
      REQUIRE(yv[i] == Approx(xv[i] / 0.7).epsilon(1e-6));
    }
  }
  CHECK(static_cast<double>(kept) / 20000.0 == Approx(0.7).margin(0.02));
  CHECK(values_of(dropout(x, 0.3f, 1234)) == yv);  // same seed, same mask
  CHECK(values_of(dropout(x, 0.3f, 1235)) != yv);  // another seed, another mask
  // Backward is the same call on dy: the gradient flows exactly where the forward kept.
  const Tensor dy = testing::random_tensor({200, 100}, 62);
  const auto dx = values_of(dropout(dy, 0.3f, 1234)), dyv = values_of(dy);
  for (std::size_t i = 0; i < xv.size(); ++i) REQUIRE((dx[i] != 0.0) == (yv[i] != 0.0));
  (void)dyv;
  CHECK_THROWS_AS(dropout(x, 1.0f, 1), InvalidArgumentError);
}

TEST_CASE("dropout with the iteration in a counter draws the mask of that iteration's key",
          "[kernels][random]") {
  const Tensor x = testing::random_tensor({37, 29}, 63);
  const Tensor iteration = Tensor::empty_detached(Shape{}, DType::i64);
  fill(iteration, 0.0);
  std::vector<std::vector<double>> masks;
  for (std::uint64_t step = 0; step < 3; ++step) {
    const auto counted = values_of(dropout(x, 0.25f, 555, iteration));
    CHECK(counted == values_of(dropout(x, 0.25f, philox::iteration_key(555, step))));
    masks.push_back(counted);
    increment(iteration);
  }
  CHECK(masks[0] != masks[1]);  // each iteration its own mask
  CHECK(masks[1] != masks[2]);
  CHECK_THROWS_AS(dropout(x, 0.25f, 555, Tensor::empty_detached({3}, DType::i64)),
                  InvalidArgumentError);
}

TEST_CASE("initialisers have the asked moments and bounds", "[kernels][random]") {
  const Tensor t = Tensor::empty({100000});
  auto moments = [](const std::vector<double>& v) {
    double mean = 0.0, square = 0.0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    for (double x : v) square += (x - mean) * (x - mean);
    return std::pair<double, double>{mean, std::sqrt(square / static_cast<double>(v.size()))};
  };
  fill_uniform(t, -2.0f, 3.0f, 7);
  auto v = values_of(t);
  CHECK(*std::min_element(v.begin(), v.end()) >= -2.0);
  CHECK(*std::max_element(v.begin(), v.end()) < 3.0);
  CHECK(moments(v).first == Approx(0.5).margin(0.02));
  fill_normal(t, 1.0f, 2.0f, 8);
  CHECK(moments(values_of(t)).first == Approx(1.0).margin(0.03));
  CHECK(moments(values_of(t)).second == Approx(2.0).margin(0.03));
  xavier_uniform(t, 300, 100, 9);
  v = values_of(t);
  CHECK(*std::max_element(v.begin(), v.end()) <= std::sqrt(6.0 / 400.0));
  he_normal(t, 50, 10);
  CHECK(moments(values_of(t)).second == Approx(std::sqrt(2.0 / 50.0)).epsilon(0.02));
  const auto first = values_of(t);
  he_normal(t, 50, 10);
  CHECK(values_of(t) == first);  // deterministic given the seed
  CHECK_THROWS_AS(fill_uniform(t, 1.0f, 0.0f, 1), InvalidArgumentError);
}
