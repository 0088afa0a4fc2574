// The command line's error boundary (tools/cli/run_cli.h): a command that throws, whatever
// it throws, ends with a message and exit status 1, not with std::terminate.
#include <catch2/catch.hpp>
#include <sstream>
#include <stdexcept>

#include "runtime/error.h"
#include "tools/cli/run_cli.h"

using Catch::Matchers::Contains;

namespace {
// Runs `gyre fail` where the command throws what `fail` throws.
template <typename Throw>
int run_failing(Throw fail, std::string& message) {
  CLI::App app{"test"};
  app.add_subcommand("fail", "throws")->callback(fail);
  std::ostringstream errors;
  const char* argv[] = {"gyre", "fail"};
  const int status = gyre::cli::run_cli(app, 2, argv, errors);
  message = errors.str();
  return status;
}
}  // namespace

TEST_CASE("a gyre error is its message and status 1", "[tools]") {
  std::string message;
  CHECK(run_failing([] { throw gyre::InvalidArgumentError("the batch is empty; pass --batch"); },
                    message) == 1);
  CHECK(message == "gyre: the batch is empty; pass --batch\n");
}

TEST_CASE("any other exception is an internal error with status 1, not a crash", "[tools]") {
  std::string message;
  CHECK(run_failing([] { throw std::runtime_error("map::at"); }, message) == 1);
  CHECK_THAT(message, Contains("internal error: map::at") && Contains("report"));
  CHECK(run_failing([] { throw 42; }, message) == 1);
  CHECK_THAT(message, Contains("not a std::exception"));
}

TEST_CASE("a usage error keeps CLI11's status and message", "[tools]") {
  CLI::App app{"test"};
  app.add_subcommand("ok", "does nothing");
  std::ostringstream errors;
  const char* argv[] = {"gyre", "--no-such-flag"};
  CHECK(gyre::cli::run_cli(app, 2, argv, errors) != 0);
  CHECK_THAT(errors.str(), Contains("no-such-flag"));
}
