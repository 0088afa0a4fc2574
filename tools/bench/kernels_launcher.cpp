#include "tools/bench/kernels_launcher.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "tools/bench/worker_process.h"

namespace gyre::bench {

void add_kernels_benchmark(CLI::App& bench) {
  CLI::App* command = bench.add_subcommand(
      "kernels",
      "Microbenchmarks of the ops (runs gyre-bench-kernels; Google Benchmark's --benchmark_* "
      "options pass through)");
  command->allow_extras();
  command->callback([command] {
    const std::filesystem::path program =
        std::filesystem::path(self_executable()).parent_path() / "gyre-bench-kernels";
    std::vector<std::string> arguments = {program.string()};
    for (const std::string& extra : command->remaining()) arguments.push_back(extra);
    std::vector<char*> argv;
    for (std::string& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());  // returns only on failure
    throw Error(strcat("cannot run ", program.string(), ": ", std::strerror(errno),
                       "; it is built with gyre (tools/build.sh) and must sit next to it"));
  });
}

}  // namespace gyre::bench
