#pragma once
// Model files: one safetensors file (readable by other tools: an 8-byte little-endian header
// length, a JSON header, then the raw little-endian f32 data) holding every layer's
// parameters ("0.W", "0.b", ...), the flat updater state ("updater.state"), and in the
// header's "__metadata__" the network config and the iteration count. Writes are atomic
// (temporary file, fsync, rename); a truncated or corrupt file raises InvalidArgumentError
// and never crashes.
#include <memory>
#include <string>

#include "nn/network.h"

namespace gyre::nn {

void save_model(const Network& network, const std::string& path);
std::unique_ptr<Network> load_model(const std::string& path, Device device = Device::cpu());
/// The same from bytes in memory (`name` appears in messages).
std::unique_ptr<Network> parse_model(const unsigned char* data, std::size_t size,
                                     const std::string& name, Device device = Device::cpu());

}  // namespace gyre::nn
