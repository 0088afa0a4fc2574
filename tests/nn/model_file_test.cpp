#include "nn/model_file.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "runtime/error.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::nn;
namespace fs = std::filesystem;

namespace {
std::string temporary(const std::string& name) {
  return (fs::temp_directory_path() /
          ("gyre-model-test-" + std::to_string(::getpid()) + "-" + name))
      .string();
}
std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The file with its JSON header edited (and its length rewritten): still well-formed.
template <typename Edit>
std::vector<unsigned char> with_header(const std::vector<unsigned char>& bytes, Edit edit) {
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | bytes[static_cast<std::size_t>(i)];
  nlohmann::json header =
      nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(length));
  edit(header);
  const std::string text = header.dump();
  std::vector<unsigned char> result(8);
  for (int i = 0; i < 8; ++i) result[static_cast<std::size_t>(i)] = (text.size() >> (8 * i)) & 0xFF;
  result.insert(result.end(), text.begin(), text.end());
  result.insert(result.end(), bytes.begin() + 8 + static_cast<long>(length), bytes.end());
  return result;
}
}  // namespace

TEST_CASE("a model file round-trips parameters, updater state, iteration and outputs",
          "[nn][model-file]") {
  Network network(NetworkBuilder().input({6}).dense(5).batch_norm().output(3).build());
  DataSet batch{testing::random_tensor({4, 6}, 1),
                testing::tensor_from({4, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0})};
  for (int i = 0; i < 3; ++i) network.fit(batch);
  const std::string path = temporary("roundtrip.safetensors");
  save_model(network, path);
  const auto loaded = load_model(path);
  CHECK(testing::values_of(loaded->parameters()) == testing::values_of(network.parameters()));
  CHECK(testing::values_of(loaded->updater_state()) == testing::values_of(network.updater_state()));
  CHECK(loaded->state().numel() == 2 * 5);  // batch norm's running mean and variance
  CHECK(testing::values_of(loaded->state()) == testing::values_of(network.state()));
  CHECK(loaded->iteration() == 3);
  CHECK(testing::values_of(loaded->output(batch.features)) ==
        testing::values_of(network.output(batch.features)));
  loaded->fit(batch);
  network.fit(batch);
  CHECK(testing::values_of(loaded->parameters()) ==
        testing::values_of(network.parameters()));  // training resumes
  CHECK_FALSE(fs::exists(path + ".tmp." + std::to_string(::getpid())));
  fs::remove(path);
}

TEST_CASE("every truncation and corruption of a model file is a clear error", "[nn][model-file]") {
  Network network(NetworkBuilder().input({3}).dense(2).output(2).build());
  const std::string path = temporary("corrupt.safetensors");
  save_model(network, path);
  const std::vector<unsigned char> bytes = read_bytes(path);
  for (std::size_t length = 0; length < bytes.size(); length += 3) {
    INFO("truncated to " << length << " of " << bytes.size() << " bytes");
    CHECK_THROWS_AS(parse_model(bytes.data(), length, "cut"), InvalidArgumentError);
  }
  std::vector<unsigned char> flipped = bytes;
  flipped[0] = 0xFF;  // a header length beyond the file
  CHECK_THROWS_WITH(parse_model(flipped.data(), flipped.size(), "x"),
                    Catch::Matchers::Contains("header claims"));
  flipped = bytes;
  flipped[12] = '#';  // inside the JSON header
  CHECK_THROWS_AS(parse_model(flipped.data(), flipped.size(), "x"), InvalidArgumentError);
  CHECK_THROWS_WITH(load_model("/nonexistent.safetensors"),
                    Catch::Matchers::Contains("cannot read"));
  fs::remove(path);
}

TEST_CASE("a well-formed file that does not match its config is told from a corrupt one",
          "[nn][model-file]") {
  using Catch::Matchers::Contains;
  Network network(NetworkBuilder().input({3}).dense(2).output(2).build());
  const std::string path = temporary("mismatch.safetensors");
  save_model(network, path);
  const std::vector<unsigned char> bytes = read_bytes(path);
  fs::remove(path);
  REQUIRE_NOTHROW(parse_model(bytes.data(), bytes.size(), "x"));  // the editing keeps it valid
  auto message_of = [](const std::vector<unsigned char>& edited) {
    try {
      parse_model(edited.data(), edited.size(), "x");
    } catch (const InvalidArgumentError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  const std::string shape = message_of(with_header(bytes, [](nlohmann::json& header) {
    header["0.W"]["shape"] = {2, 3};
  }));
  CHECK_THAT(shape, Contains("well-formed") && Contains("'0.W' has shape [2,3] where its config "
                                                        "needs [3,2]"));
  CHECK_THAT(shape, !Contains("truncated"));
  CHECK_THAT(
      message_of(with_header(
          bytes, [](nlohmann::json& header) { header["__metadata__"].erase("gyre_config"); })),
      Contains("holds no Gyre network") && !Contains("truncated"));
  CHECK_THAT(
      message_of(with_header(
          bytes, [](nlohmann::json& header) { header["__metadata__"]["iteration"] = "-7"; })),
      Contains("iteration count -7 is negative"));
  CHECK_THAT(
      message_of(with_header(
          bytes, [](nlohmann::json& header) { header["__metadata__"]["iteration"] = "7x"; })),
      Contains("\"7x\" is not a number"));
}

TEST_CASE("a model write killed at any point leaves the old file or the new one",
          "[nn][model][faults]") {
  // The writer is a child process killed with SIGKILL after a random delay, again and
  // again; the file must always load, holding one of the two models.
  const std::string path =
      (std::filesystem::temp_directory_path() / strcat("gyre-kill-", ::getpid(), ".safetensors"))
          .string();
  const NetworkConfig config = NetworkBuilder().input({64}).dense(256).output(10).build();
  Network first(config), second(NetworkBuilder().input({64}).dense(256).output(10).seed(7).build());
  save_model(first, path);
  const std::vector<double> first_values = testing::values_of(first.parameters()),
                            second_values = testing::values_of(second.parameters());
  std::mt19937 random(11);
  int interrupted = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // the writer: alternates the two models until killed
      for (int i = 0;; ++i) save_model(i % 2 == 0 ? second : first, path);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 20000));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (WIFSIGNALED(status)) ++interrupted;
    std::unique_ptr<Network> loaded;
    REQUIRE_NOTHROW(loaded = load_model(path));
    const std::vector<double> values = testing::values_of(loaded->parameters());
    CHECK((values == first_values || values == second_values));
  }
  CHECK(interrupted == 40);
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::temp_directory_path())) {
    if (entry.path().string().rfind(path + ".tmp.", 0) == 0) std::filesystem::remove(entry.path());
  }
  std::filesystem::remove(path);
}
