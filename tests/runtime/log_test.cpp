#include "runtime/log.h"

#include <catch2/catch.hpp>

#include "runtime/error.h"
#include "tests/support/strict_logging.h"

using namespace gyre;

TEST_CASE("warnings are counted so that tests can refuse them", "[runtime][log]") {
  const auto before = log::warning_count();
  testing::allow_warnings(2);
  GYRE_LOG(runtime, warn, "a warning the test expects: ", 42);
  GYRE_LOG(workspace, error, "an error the test expects");
  GYRE_LOG(runtime, info, "info is not counted");
  CHECK(log::warning_count() == before + 2);
}

TEST_CASE("a disabled level does not build its message", "[runtime][log]") {
  log::set_level(log::Layer::kernels, log::Level::warn);
  int evaluations = 0;
  auto expensive = [&] {
    ++evaluations;
    return "text";
  };
  GYRE_LOG(kernels, debug, expensive());
  CHECK(evaluations == 0);
  CHECK_FALSE(log::enabled(log::Layer::kernels, log::Level::info));
  CHECK(log::enabled(log::Layer::kernels, log::Level::error));
  log::set_level(log::Layer::kernels, log::Level::info);
}

TEST_CASE("log levels parse, and bad ones are named", "[runtime][log]") {
  CHECK(log::parse_level("debug") == log::Level::debug);
  CHECK(log::parse_level("off") == log::Level::off);
  CHECK_THROWS_WITH(log::parse_level("loud"), Catch::Matchers::Contains("'loud'"));
}

TEST_CASE("GYRE_LOG_LEVEL sets the level of each layer's logger", "[.env-log-level]") {
  CHECK(log::enabled(log::Layer::kernels, log::Level::debug));
  CHECK_FALSE(log::enabled(log::Layer::kernels, log::Level::trace));
  CHECK_FALSE(log::enabled(log::Layer::runtime, log::Level::info));
  CHECK(log::enabled(log::Layer::runtime, log::Level::warn));
}
