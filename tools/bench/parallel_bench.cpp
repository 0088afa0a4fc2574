#include "tools/bench/parallel_bench.h"

#include <cblas.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "nn/fashion_mnist.h"
#include "nn/in_memory_iterator.h"
#include "parallel/parallel_wrapper.h"

namespace gyre::bench {

void add_parallel_benchmark(CLI::App& bench) {
  CLI::App* command = bench.add_subcommand(
      "parallel", "ParallelWrapper scaling: 1 and 2 workers at one BLAS thread each");
  auto json_path = std::make_shared<std::string>();
  auto frequency = std::make_shared<int>(1);
  auto batch = std::make_shared<std::int64_t>(128);
  command->add_option("--json", *json_path, "Write the results as JSON to this file");
  command->add_option("--averaging-frequency", *frequency, "Rounds between averagings")
      ->check(CLI::Range(1, 1000));
  command->add_option("--batch", *batch, "Examples per worker per iteration")
      ->check(CLI::Range(1, 1 << 16));
  command->callback([=] {
    openblas_set_num_threads(1);  // equal threads per worker: one
    const nn::LabelledData data =
        nn::load_fashion_mnist(true, nn::kFashionMnistDirectory, DType::u8);
    nlohmann::json report = {{"model", "mlp 784-256-128-10, adam, fashion-mnist"},
                             {"batch_per_worker", *batch},
                             {"averaging_frequency", *frequency},
                             {"openblas_threads_per_worker", 1}};
    std::cout << std::left << std::setw(9) << "workers" << std::right << std::setw(14)
              << "samples/s" << std::setw(10) << "speedup" << std::setw(14) << "step ms"
              << std::setw(16) << "averaging ms" << std::setw(16) << "averaging share"
              << "\n";
    double one_worker = 0.0;
    for (int workers : {1, 2}) {
      std::cerr << "bench parallel: " << workers << " worker(s)\n";
      nn::Network network(nn::NetworkConfig::mlp());
      nn::InMemoryIterator batches(data.features, data.labels, *batch, true, 42);
      auto wrapper = parallel::ParallelWrapper::Builder(network)
                         .workers(workers)
                         .averaging_frequency(*frequency)
                         .build();
      wrapper->fit(batches, 1);  // warm-up: threads, workspaces and rings learn their sizes
      const parallel::ParallelStatistics before = wrapper->statistics();
      const auto start = std::chrono::steady_clock::now();
      wrapper->fit(batches, 1);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const parallel::ParallelStatistics after = wrapper->statistics();
      const auto rounds = static_cast<double>(after.rounds - before.rounds);
      const auto averagings = static_cast<double>(after.averagings - before.averagings);
      const double step_ms = 1e3 * (after.train_seconds - before.train_seconds) / rounds;
      const double averaging_ms =
          1e3 * (after.averaging_seconds - before.averaging_seconds) / averagings;
      const double samples_per_s = static_cast<double>(batches.total_examples()) / seconds;
      if (workers == 1) one_worker = samples_per_s;
      // The averaging's share of the time of a round plus its averaging.
      const double share =
          averaging_ms * averagings / (step_ms * rounds + averaging_ms * averagings);
      report["workers_" + std::to_string(workers)] = {{"samples_per_s", samples_per_s},
                                                      {"speedup", samples_per_s / one_worker},
                                                      {"round_ms", step_ms},
                                                      {"averaging_ms", averaging_ms},
                                                      {"averaging_share", share}};
      std::cout << std::left << std::setw(9) << workers << std::right << std::fixed
                << std::setprecision(0) << std::setw(14) << samples_per_s << std::setprecision(2)
                << std::setw(10) << samples_per_s / one_worker << std::setprecision(3)
                << std::setw(14) << step_ms << std::setw(16) << averaging_ms << std::setw(15)
                << std::setprecision(1) << 100.0 * share << "%\n";
    }
    std::cout << "\n" << report.dump(2) << "\n";
    if (!json_path->empty()) std::ofstream(*json_path) << report.dump(2) << "\n";
  });
}

}  // namespace gyre::bench
