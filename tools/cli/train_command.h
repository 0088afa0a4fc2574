#pragma once
// `gyre train` (the README's main job) and `gyre eval MODEL`.
namespace CLI {
class App;
}

namespace gyre::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);

}  // namespace gyre::cli
