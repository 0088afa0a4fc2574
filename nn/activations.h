#pragma once
// Activation names in configs ("relu", "leakyrelu", "softmax", ...).
#include <string>

#include "kernels/kernel_types.h"

namespace gyre::nn {

kernels::Activation parse_activation(const std::string& name);
std::string activation_name(kernels::Activation activation);

}  // namespace gyre::nn
