// The IDX reader (Fashion-MNIST files, raw or gzip) on arbitrary bytes.
#include "nn/idx_reader.h"
#include "tests/fuzz/fuzz_main.h"

namespace {
void parse(const std::uint8_t* data, std::size_t size) {
  (void)gyre::nn::parse_idx(data, size, "fuzz.idx");
}
}  // namespace

GYRE_FUZZ_TARGET(parse)
