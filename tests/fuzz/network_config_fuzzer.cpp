// The JSON network config on arbitrary text: parsed, validated, and written back.
#include <nlohmann/json.hpp>
#include <string>

#include "nn/network.h"
#include "tests/fuzz/fuzz_main.h"

namespace {
void parse(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json json = nlohmann::json::parse(
      std::string(reinterpret_cast<const char*>(data), size), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return;  // not JSON: the CLI reports nlohmann's parse error
  const gyre::nn::NetworkConfig config = gyre::nn::NetworkConfig::from_json(json);
  (void)gyre::nn::NetworkConfig::from_json(config.to_json());  // a valid config round-trips
}
}  // namespace

GYRE_FUZZ_TARGET(parse)
