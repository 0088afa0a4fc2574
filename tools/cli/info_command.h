#pragma once
// `gyre info`: the build, the BLAS, the devices and the thread counts.
#include <nlohmann/json.hpp>

namespace CLI {
class App;
}

namespace gyre::cli {

/// Everything `gyre info` reports, as JSON (the text form is printed from it).
nlohmann::json collect_info();

/// Registers `info [--json]` on the application.
void add_info_command(CLI::App& app);

}  // namespace gyre::cli
