// gyre: the command line of the Gyre runtime.
#include <CLI/CLI.hpp>
#include <iostream>

#include "runtime/build_info.h"
#include "tools/bench/alloc_bench.h"
#include "tools/bench/gpu_bench.h"
#include "tools/bench/kernels_launcher.h"
#include "tools/bench/parallel_bench.h"
#include "tools/bench/prefetch_bench.h"
#include "tools/bench/serve_bench.h"
#include "tools/bench/train_bench.h"
#include "tools/cli/info_command.h"
#include "tools/cli/run_cli.h"
#include "tools/cli/serve_command.h"
#include "tools/cli/train_command.h"

int main(int argc, char** argv) {
  CLI::App app{"Gyre: a GPU-first deep-learning runtime with device-aware memory workspaces"};
  app.set_version_flag("--version", gyre::build_info().version);
  app.require_subcommand(1);
  gyre::cli::add_info_command(app);
  gyre::cli::add_train_command(app);
  gyre::cli::add_eval_command(app);
  gyre::cli::add_serve_command(app);
  CLI::App* bench =
      app.add_subcommand("bench", "Benchmarks, each against its peers in the same run");
  bench->require_subcommand(1);
  gyre::bench::add_alloc_benchmark(*bench);
  gyre::bench::add_kernels_benchmark(*bench);
  gyre::bench::add_train_benchmark(*bench);
  gyre::bench::add_prefetch_benchmark(*bench);
  gyre::bench::add_gpu_benchmark(*bench);
  gyre::bench::add_parallel_benchmark(*bench);
  gyre::bench::add_serve_benchmark(*bench);
  return gyre::cli::run_cli(app, argc, argv, std::cerr);
}
