// The accuracy the standard workloads must reach on Fashion-MNIST (BENCHMARKS.md).
#include <catch2/catch.hpp>

#include "nn/fashion_mnist.h"
#include "nn/in_memory_iterator.h"
#include "nn/network.h"

using namespace gyre;
using namespace gyre::nn;

namespace {
// Trains up to `epochs` epochs and returns the best test accuracy, stopping once it reaches
// `target` ("reaches the target within N epochs").
double train_and_test(const NetworkConfig& config, int epochs, std::int64_t batch, bool images,
                      double target) {
  LabelledData train = load_fashion_mnist(true), test = load_fashion_mnist(false);
  if (images) {
    train.features = train.features.reshape({60000, 1, 28, 28});
    test.features = test.features.reshape({10000, 1, 28, 28});
  }
  InMemoryIterator train_iterator(train.features, train.labels, batch, true, config.seed);
  InMemoryIterator test_iterator(test.features, test.labels, 1000, false, 0);
  Network network(config);
  Evaluation evaluation(10);
  double best = 0.0;
  for (int epoch = 0; epoch < epochs && best < target; ++epoch) {
    network.fit(train_iterator, 1);
    evaluation.reset();
    network.evaluate(test_iterator, {&evaluation});
    best = std::max(best, evaluation.accuracy());
    WARN("epoch " << epoch + 1 << ": test accuracy " << evaluation.accuracy());
  }
  return best;
}
}  // namespace

TEST_CASE("the default MLP reaches 0.88 test accuracy within 10 epochs", "[nn][accuracy]") {
  CHECK(train_and_test(NetworkConfig::mlp(), 10, 128, false, 0.88) >= 0.88);
}

TEST_CASE("the shipped LeNet CNN reaches 0.90 test accuracy within 8 epochs", "[nn][accuracy]") {
  CHECK(train_and_test(NetworkConfig::from_file(GYRE_SOURCE_DIR "/configs/lenet.json"), 8, 64, true,
                       0.90) >= 0.90);
}
