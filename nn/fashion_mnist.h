#pragma once
// Fashion-MNIST from Debian's dataset-fashion-mnist package (gzip IDX files).
#include <string>

#include "runtime/tensor.h"

namespace gyre::nn {

/// Where Debian installs the files.
inline const char* const kFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

struct LabelledData {
  Tensor features;  // [N, 784]: f32 pixels scaled to [0, 1], or the raw u8 pixels
  Tensor labels;    // [N, 10] f32, one-hot
};

/// The training (60000) or test (10000) split. `features`: DType::f32 scales the pixels to
/// [0, 1] now; DType::u8 keeps the raw bytes (a quarter of the memory) for an iterator to
/// scale batch by batch. Throws InvalidArgumentError naming the file and the package when the
/// files are missing or malformed.
LabelledData load_fashion_mnist(bool train, const std::string& directory = kFashionMnistDirectory,
                                DType features = DType::f32);

/// Images [N, rows, cols] u8 and labels [N] u8 as flattened features (f32 scaled to [0, 1],
/// or u8 as they are) and one-hot labels of `classes` classes.
LabelledData to_labelled_data(const Tensor& images, const Tensor& labels, int classes,
                              DType features = DType::f32);

}  // namespace gyre::nn
