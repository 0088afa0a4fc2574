// The model file loader (safetensors header, config, parameters) on arbitrary bytes.
#include "nn/model_file.h"
#include "tests/fuzz/fuzz_main.h"

namespace {
void parse(const std::uint8_t* data, std::size_t size) {
  (void)gyre::nn::parse_model(data, size, "fuzz.safetensors");
}
}  // namespace

GYRE_FUZZ_TARGET(parse)
