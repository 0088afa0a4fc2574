#include "nn/fashion_mnist.h"

#include <filesystem>

#include "nn/idx_reader.h"
#include "runtime/error.h"

namespace gyre::nn {

LabelledData to_labelled_data(const Tensor& images, const Tensor& labels, int classes,
                              DType features_dtype) {
  GYRE_CHECK(images.dtype() == DType::u8 && labels.dtype() == DType::u8 &&
                 images.shape().rank() >= 2 && labels.shape().rank() == 1 &&
                 images.shape().dim(0) == labels.shape().dim(0),
             InvalidArgumentError, "images ", images.description(), " and labels ",
             labels.description(), " must be u8 [N, ...] and [N]");
  const std::int64_t count = images.shape().dim(0),
                     pixels = images.numel() / std::max<std::int64_t>(count, 1);
  GYRE_CHECK(features_dtype == DType::f32 || features_dtype == DType::u8, InvalidArgumentError,
             "features can be f32 (scaled) or u8 (raw), not ", name_of(features_dtype));
  LabelledData data{Tensor(), Tensor::empty_detached({count, classes}, DType::f32, Device::cpu())};
  if (features_dtype == DType::u8) {
    data.features = images.reshape({count, pixels});  // the bytes as they are: no copy
  } else {
    data.features = Tensor::empty_detached({count, pixels}, DType::f32, Device::cpu());
    const std::uint8_t* source = images.data<std::uint8_t>();
    float* features = data.features.data<float>();
    for (std::int64_t i = 0; i < count * pixels; ++i) {
      features[i] = static_cast<float>(source[i]) * (1.0f / 255.0f);
    }
  }
  float* one_hot = data.labels.data<float>();
  const std::uint8_t* label = labels.data<std::uint8_t>();
  for (std::int64_t i = 0; i < count; ++i) {
    GYRE_CHECK(label[i] < classes, InvalidArgumentError, "label ", static_cast<int>(label[i]),
               " of example ", i, " is not below the ", classes, " classes");
    for (int c = 0; c < classes; ++c) one_hot[i * classes + c] = label[i] == c ? 1.0f : 0.0f;
  }
  return data;
}

LabelledData load_fashion_mnist(bool train, const std::string& directory, DType features) {
  const std::string prefix = directory + (train ? "/train" : "/t10k");
  const std::string images = prefix + "-images-idx3-ubyte.gz",
                    labels = prefix + "-labels-idx1-ubyte.gz";
  for (const std::string& file : {images, labels}) {
    GYRE_CHECK(
        std::filesystem::exists(file), InvalidArgumentError, "Fashion-MNIST file '", file,
        "' is missing; install Debian's dataset-fashion-mnist package (tools/setup.sh does)");
  }
  return to_labelled_data(read_idx(images), read_idx(labels), 10, features);
}

}  // namespace gyre::nn
