// ParallelWrapper on the real job: the Fashion-MNIST MLP trained by 2 and 4 averaged
// workers ends within 0.5 accuracy points of one worker after the same number of epochs
// (the mean test accuracy of epochs 8 to 10).
#include <catch2/catch.hpp>
#include <cmath>

#include "nn/fashion_mnist.h"
#include "nn/in_memory_iterator.h"
#include "parallel/parallel_wrapper.h"

using namespace gyre;
using namespace gyre::nn;
using namespace gyre::parallel;

TEST_CASE("2 and 4 workers reach single-worker accuracy on Fashion-MNIST within 0.5 points",
          "[parallel][accuracy]") {
  const LabelledData train = load_fashion_mnist(true, kFashionMnistDirectory, DType::u8);
  const LabelledData test = load_fashion_mnist(false, kFashionMnistDirectory, DType::u8);
  InMemoryIterator test_batches(test.features, test.labels, 1000, false, 0);
  const int epochs = 10;
  auto accuracy = [&](int workers) {
    Network network(NetworkConfig::mlp());
    InMemoryIterator batches(train.features, train.labels, 32, true, 42);
    auto wrapper = ParallelWrapper::Builder(network).workers(workers).build();
    // Test accuracy swings by about a point from one epoch to the next at this batch size:
    // the mean over the last three epochs compares the runs, not the swings.
    double total = 0.0;
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      wrapper->fit(batches, 1);
      if (epoch <= epochs - 3) continue;
      Evaluation evaluation(10);
      network.evaluate(test_batches, {&evaluation});
      total += evaluation.accuracy();
    }
    return total / 3.0;
  };
  const double single = accuracy(1);
  INFO("one worker: " << single);
  CHECK(single >= 0.87);
  for (int workers : {2, 4}) {
    const double parallel = accuracy(workers);
    INFO(workers << " workers: " << parallel);
    CHECK(std::abs(parallel - single) <= 0.005);
  }
}
