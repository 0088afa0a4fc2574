// The body of gyre serve's POST /v1/predict on arbitrary bytes: the first byte picks JSON
// or float32, the rest is the body (examples of 6 floats).
#include <string>

#include "tests/fuzz/fuzz_main.h"
#include "tools/serve/predict_body.h"

namespace {
void parse(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)gyre::serve::parse_predict_body(body, (data[0] & 1) != 0, gyre::Shape{6});
}
}  // namespace

GYRE_FUZZ_TARGET(parse)
