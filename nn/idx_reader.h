#pragma once
// Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed: a big-endian
// header (magic 0x0000 type rank, then rank u32 dimensions) and the data. Bad input is a
// clear gyre::InvalidArgumentError naming the file and what is wrong; never a crash.
#include <string>

#include "runtime/tensor.h"

namespace gyre::nn {

/// The whole file as a detached CPU tensor: u8 data as DType::u8, with the file's dims.
Tensor read_idx(const std::string& path);
/// The same from bytes already in memory (`name` is used in messages).
Tensor parse_idx(const unsigned char* data, std::size_t size, const std::string& name);

}  // namespace gyre::nn
