#include <catch2/catch.hpp>
#include <set>
#include <vector>

#include "nn/fashion_mnist.h"
#include "nn/idx_reader.h"
#include "nn/in_memory_iterator.h"
#include "runtime/error.h"

using namespace gyre;
using namespace gyre::nn;
using Catch::Matchers::Contains;

namespace {
std::vector<unsigned char> idx_bytes(std::vector<std::uint32_t> dims, std::size_t data_bytes) {
  std::vector<unsigned char> bytes = {0, 0, 0x08, static_cast<unsigned char>(dims.size())};
  for (std::uint32_t dim : dims) {
    for (int shift = 24; shift >= 0; shift -= 8)
      bytes.push_back(static_cast<unsigned char>(dim >> shift));
  }
  for (std::size_t i = 0; i < data_bytes; ++i) bytes.push_back(static_cast<unsigned char>(i * 7));
  return bytes;
}
}  // namespace

TEST_CASE("an IDX file parses into a u8 tensor of its dims", "[nn][data]") {
  const auto bytes = idx_bytes({2, 3, 4}, 24);
  const Tensor tensor = parse_idx(bytes.data(), bytes.size(), "memory");
  CHECK(tensor.shape() == Shape{2, 3, 4});
  CHECK(tensor.dtype() == DType::u8);
  CHECK(tensor.data<std::uint8_t>()[5] == 35);
}

TEST_CASE("malformed IDX input is a clear error, never a crash", "[nn][data]") {
  const auto good = idx_bytes({3, 5}, 15);
  for (std::size_t length = 0; length < good.size(); ++length) {
    INFO("truncated to " << length << " bytes");
    CHECK_THROWS_AS(parse_idx(good.data(), length, "cut.idx"), InvalidArgumentError);
  }
  auto bad_magic = good;
  bad_magic[0] = 1;
  CHECK_THROWS_WITH(parse_idx(bad_magic.data(), bad_magic.size(), "x.idx"),
                    Contains("'x.idx'") && Contains("magic"));
  auto bad_type = good;
  bad_type[2] = 0x0D;
  CHECK_THROWS_WITH(parse_idx(bad_type.data(), bad_type.size(), "x.idx"), Contains("0xd"));
  auto huge = idx_bytes({0xFFFFFFFFu, 0xFFFFFFFFu}, 4);
  CHECK_THROWS_WITH(parse_idx(huge.data(), huge.size(), "x.idx"),
                    Contains("more elements than it holds"));
  CHECK_THROWS_WITH(read_idx("/nonexistent/file.gz"), Contains("cannot open"));
}

TEST_CASE("the Debian Fashion-MNIST files load as scaled features and one-hot labels",
          "[nn][data]") {
  const LabelledData test = load_fashion_mnist(false);
  CHECK(test.features.shape() == Shape{10000, 784});
  CHECK(test.labels.shape() == Shape{10000, 10});
  const float* features = test.features.data<float>();
  float largest = 0.0f;
  for (std::int64_t i = 0; i < test.features.numel(); ++i) largest = std::max(largest, features[i]);
  CHECK(largest == 1.0f);
  const float* labels = test.labels.data<float>();
  for (int row = 0; row < 100; ++row) {
    float total = 0.0f;
    for (int c = 0; c < 10; ++c) total += labels[row * 10 + c];
    REQUIRE(total == 1.0f);
  }
  CHECK_THROWS_WITH(load_fashion_mnist(true, "/nonexistent"), Contains("dataset-fashion-mnist"));
}

TEST_CASE("the in-memory iterator covers every example once per epoch, reshuffled from its seed",
          "[nn][data]") {
  Tensor features = Tensor::empty_detached({10, 2}), labels = Tensor::empty_detached({10, 1});
  for (int i = 0; i < 10; ++i) {
    features.data<float>()[2 * i] = static_cast<float>(i);
    features.data<float>()[2 * i + 1] = static_cast<float>(-i);
    labels.data<float>()[i] = static_cast<float>(i);
  }
  auto epoch_order = [](InMemoryIterator& iterator) {
    std::vector<int> order;
    while (iterator.has_next()) {
      const DataSet batch = iterator.next();
      for (std::int64_t r = 0; r < batch.examples(); ++r) {
        order.push_back(static_cast<int>(batch.labels.data<float>()[r]));
        REQUIRE(batch.features.data<float>()[2 * r] ==
                batch.labels.data<float>()[r]);  // rows stay paired
      }
    }
    return order;
  };
  InMemoryIterator first(features, labels, 4, true, 7), second(features, labels, 4, true, 7);
  const auto a = epoch_order(first), b = epoch_order(second);
  CHECK(a == b);  // the same seed, the same order
  CHECK(std::set<int>(a.begin(), a.end()).size() == 10);
  first.reset();
  CHECK(epoch_order(first) != a);  // a new epoch, a new order
  InMemoryIterator plain(features, labels, 3, false, 0);
  CHECK(epoch_order(plain) == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK_THROWS_AS(plain.next(), InvalidArgumentError);
  CHECK_THROWS_AS(InMemoryIterator(features, Tensor::empty_detached({9, 1}), 4, false, 0),
                  InvalidArgumentError);
}

TEST_CASE("u8 features stay raw in memory and come out of the iterator scaled", "[nn][data]") {
  const LabelledData bytes = load_fashion_mnist(false, kFashionMnistDirectory, DType::u8);
  const LabelledData floats = load_fashion_mnist(false);
  CHECK(bytes.features.dtype() == DType::u8);
  CHECK(bytes.features.shape() == Shape{10000, 784});
  InMemoryIterator raw(bytes.features, bytes.labels, 50, false, 0),
      scaled(floats.features, floats.labels, 50, false, 0);
  const DataSet a = raw.next(), b = scaled.next();
  CHECK(a.features.dtype() == DType::f32);
  for (std::int64_t i = 0; i < a.features.numel(); ++i)
    REQUIRE(a.features.data<float>()[i] == b.features.data<float>()[i]);
}
