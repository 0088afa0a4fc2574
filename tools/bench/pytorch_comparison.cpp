#include "tools/bench/pytorch_comparison.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "runtime/error.h"
#include "tools/bench/worker_process.h"

namespace gyre::bench {
namespace {

// Runs PyTorch's side for one workload and thread count; its report goes through a file.
nlohmann::json run_pytorch(const PytorchComparisonOptions& options, const std::string& workload,
                           int threads) {
  const std::filesystem::path report = std::filesystem::temp_directory_path() /
                                       ("gyre-pytorch-" + std::to_string(::getpid()) + ".json");
  run_worker_process({options.python, options.script, "--workloads", workload, "--threads",
                      std::to_string(threads), "--batch", std::to_string(options.batch), "--steps",
                      std::to_string(options.steps), "--epochs", std::to_string(options.epochs),
                      "--json", report.string()},
                     {{"OMP_NUM_THREADS", std::to_string(threads)}});
  nlohmann::json parsed = nlohmann::json::parse(std::ifstream(report));
  std::filesystem::remove(report);
  nlohmann::json result = parsed.at("results").at(0);
  result["framework"] = "pytorch";
  result["peer"] = parsed.at("peer");
  return result;
}

nlohmann::json run_gyre(const PytorchComparisonOptions& options, const std::string& workload,
                        int threads) {
  const std::string config = options.configs + "/" + workload + ".json";
  return nlohmann::json::parse(run_worker_process(
      {self_executable(), "bench", "model-worker", "--config", config, "--workload", workload,
       "--batch", std::to_string(options.batch), "--threads", std::to_string(threads), "--steps",
       std::to_string(options.steps), "--epochs", std::to_string(options.epochs)},
      {{"OPENBLAS_NUM_THREADS", std::to_string(threads)}}));
}

// The measurement of the higher samples/s.
const nlohmann::json& best_of(const nlohmann::json& runs) {
  const nlohmann::json* best = &runs.at(0);
  for (const nlohmann::json& run : runs)
    if (run["samples_per_second"].get<double>() > (*best)["samples_per_second"].get<double>())
      best = &run;
  return *best;
}

}  // namespace

void run_pytorch_comparison(const PytorchComparisonOptions& options) {
  GYRE_CHECK(std::filesystem::exists(options.python), NotAvailableError, "--vs-pytorch needs ",
             options.python,
             ", PyTorch's interpreter: run tools/bench/install_torch.sh (or give "
             "--python)");
  GYRE_CHECK(std::filesystem::exists(options.script), NotAvailableError, "--vs-pytorch needs ",
             options.script, ": run from the repository's root (or give --pytorch-script)");
  for (const std::string& workload : options.workloads)
    GYRE_CHECK(std::filesystem::exists(options.configs + "/" + workload + ".json"),
               InvalidArgumentError, "no Gyre config ", options.configs, "/", workload,
               ".json for workload '", workload, "' (give --configs)");
  nlohmann::json report = {{"batch", options.batch},
                           {"steps", options.steps},
                           {"epochs", options.epochs},
                           {"workloads", nlohmann::json::object()}};
  for (const std::string& workload : options.workloads) {
    nlohmann::json gyre = nlohmann::json::array(), pytorch = nlohmann::json::array();
    for (std::size_t t = 0; t < options.threads.size(); ++t) {
      const int threads = options.threads[t];
      for (int turn = 0; turn < 2; ++turn) {  // A B, then B A
        const bool gyre_turn = (turn == 0) == (t % 2 == 0);
        std::cerr << "bench train --vs-pytorch: " << workload << ", " << threads << " thread(s), "
                  << (gyre_turn ? "gyre" : "pytorch") << "\n";
        if (gyre_turn)
          gyre.push_back(run_gyre(options, workload, threads));
        else
          pytorch.push_back(run_pytorch(options, workload, threads));
      }
    }
    const nlohmann::json &g = best_of(gyre), &p = best_of(pytorch);
    report["peer"] = p["peer"];
    report["workloads"][workload] = {
        {"gyre", gyre},
        {"pytorch", pytorch},
        {"gyre_best_samples_per_second", g["samples_per_second"]},
        {"gyre_best_threads", g["threads"]},
        {"pytorch_best_samples_per_second", p["samples_per_second"]},
        {"pytorch_best_threads", p["threads"]},
        {"ratio", g["samples_per_second"].get<double>() / p["samples_per_second"].get<double>()},
        {"gyre_test_accuracy", g["test_accuracy"]},
        {"pytorch_test_accuracy", p["test_accuracy"]}};
  }
  std::cout << std::left << std::setw(9) << "workload" << std::right << std::setw(16)
            << "gyre samples/s" << std::setw(19) << "pytorch samples/s" << std::setw(9) << "ratio"
            << std::setw(12) << "gyre acc" << std::setw(14) << "pytorch acc\n";
  for (const auto& [workload, entry] : report["workloads"].items()) {
    auto accuracy = [](const nlohmann::json& value) {
      char text[16] = "-";
      if (value.is_number()) std::snprintf(text, sizeof(text), "%.4f", value.get<double>());
      return std::string(text);
    };
    std::cout << std::left << std::setw(9) << workload << std::right << std::fixed
              << std::setprecision(0) << std::setw(11)
              << entry["gyre_best_samples_per_second"].get<double>() << " ("
              << entry["gyre_best_threads"].get<int>() << "t)" << std::setw(14)
              << entry["pytorch_best_samples_per_second"].get<double>() << " ("
              << entry["pytorch_best_threads"].get<int>() << "t)" << std::setw(9)
              << std::setprecision(2) << entry["ratio"].get<double>() << std::setw(12)
              << accuracy(entry["gyre_test_accuracy"]) << std::setw(13)
              << accuracy(entry["pytorch_test_accuracy"]) << "\n";
  }
  std::cout << "\n" << report.dump(2) << "\n";
  if (!options.json.empty()) std::ofstream(options.json) << report.dump(2) << "\n";
}

}  // namespace gyre::bench
