#pragma once
// The command line's error boundary: whatever a command throws ends as a message on
// stderr and a nonzero exit status, never as std::terminate.
#include <CLI/CLI.hpp>
#include <ostream>

namespace gyre::cli {

/// Parses the arguments and runs the chosen command. Returns the exit status: CLI11's for
/// a usage error, 1 for a gyre::Error (whose message says what to do) and 1 for anything
/// else thrown, reported as an internal error.
int run_cli(CLI::App& app, int argc, const char* const* argv, std::ostream& errors);

}  // namespace gyre::cli
