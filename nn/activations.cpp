#include "nn/activations.h"

#include "runtime/error.h"

namespace gyre::nn {

kernels::Activation parse_activation(const std::string& name) {
  using kernels::Activation;
  for (Activation activation :
       {Activation::identity, Activation::relu, Activation::leaky_relu, Activation::elu,
        Activation::tanh, Activation::sigmoid, Activation::gelu, Activation::softmax}) {
    if (name == kernels::name_of(activation)) return activation;
  }
  throw InvalidArgumentError(
      strcat("unknown activation '", name,
             "'; use identity, relu, leaky_relu, elu, tanh, sigmoid, gelu or softmax"));
}

std::string activation_name(kernels::Activation activation) {
  return kernels::name_of(activation);
}

}  // namespace gyre::nn
