#include "nn/fashion_mnist_split.h"

#include "runtime/error.h"

namespace gyre::nn {

FashionMnistSplit::FashionMnistSplit(const NetworkConfig& config, bool train, std::int64_t batch,
                                     Device device, const std::string& directory) {
  const Shape input = config.input_shape();
  const bool images = input == Shape({1, 28, 28}), rows = input == Shape({28, 28});
  GYRE_CHECK(images || rows || input == Shape({784}), InvalidArgumentError,
             "Fashion-MNIST is read as pixels [784], images [1, 28, 28] or 28 steps of 28 "
             "pixels [28, 28]; this network's input is ",
             input);
  data_ = load_fashion_mnist(train, directory);
  if (images) data_.features = data_.features.reshape({data_.features.shape().dim(0), 1, 28, 28});
  examples_ =
      std::make_unique<InMemoryIterator>(data_.features, data_.labels, batch, train,
                                         train ? config.seed : 0, rows ? Device::cpu() : device);
  if (rows)
    cut_ = std::make_unique<RandomLengthSequences>(*examples_, 28, 28, 14,
                                                   train ? config.seed : config.seed + 1, train);
}

}  // namespace gyre::nn
