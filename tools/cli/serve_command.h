#pragma once
// `gyre serve MODEL`: the HTTP inference server (tools/serve) over ParallelInference.
namespace CLI {
class App;
}

namespace gyre::cli {

void add_serve_command(CLI::App& app);

}  // namespace gyre::cli
