#include "tools/bench/train_bench.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "tools/bench/model_worker.h"
#include "tools/bench/pytorch_comparison.h"
#include "tools/bench/train_worker.h"
#include "tools/bench/worker_process.h"

namespace gyre::bench {
namespace {

std::string torch_worker_path() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return (self.parent_path() / "gyre-torch-bench").string();
}

struct Best {
  nlohmann::json result;
  void offer(const nlohmann::json& candidate) {
    if (result.is_null() ||
        candidate["samples_per_s"].get<double>() > result["samples_per_s"].get<double>()) {
      result = candidate;
    }
  }
};

}  // namespace

void add_train_benchmark(CLI::App& bench) {
  CLI::App* command =
      bench.add_subcommand("train",
                           "Training and inference of the standard MLP, against libtorch; or the "
                           "four standard workloads against PyTorch (--vs-pytorch)");
  auto versus = std::make_shared<bool>(false);
  auto json_path = std::make_shared<std::string>();
  command->add_flag("--vs-libtorch", *versus,
                    "Also run the same model in libtorch (Debian libtorch-dev) in the same run");
  command->add_option("--json", *json_path, "Write the results as JSON to this file");
  auto pytorch = std::make_shared<bool>(false);
  auto comparison = std::make_shared<PytorchComparisonOptions>();
  command->add_flag("--vs-pytorch", *pytorch,
                    "Instead: the MLP, LeNet, the residual CNN and the LSTM at batch 64 against "
                    "PyTorch from PyPI (tools/bench/install_torch.sh), in the same run");
  command->add_option("--workloads", comparison->workloads, "--vs-pytorch: workloads to run")
      ->delimiter(',')
      ->check(CLI::IsMember({"mlp", "lenet", "resnet", "lstm"}));
  command->add_option("--threads", comparison->threads, "--vs-pytorch: thread counts to try")
      ->delimiter(',')
      ->check(CLI::Range(1, 256));
  command->add_option("--steps", comparison->steps, "--vs-pytorch: timed batches per run")
      ->check(CLI::Range(1, 1000000));
  command
      ->add_option("--epochs", comparison->epochs,
                   "--vs-pytorch: time whole epochs instead and compare test accuracies")
      ->check(CLI::Range(0, 1000));
  command->add_option("--configs", comparison->configs,
                      "--vs-pytorch: directory of Gyre's configs");
  command->add_option("--python", comparison->python, "--vs-pytorch: PyTorch's interpreter");
  command->add_option("--pytorch-script", comparison->script, "--vs-pytorch: PyTorch's side");
  auto rounds = std::make_shared<int>(3);
  command
      ->add_option("--rounds", *rounds,
                   "Repeat the whole sweep; each framework keeps its best round (a shared "
                   "machine's noise only ever slows a run down)")
      ->check(CLI::Range(1, 100));
  command->callback([=] {
    if (*pytorch) {
      comparison->json = *json_path;
      return run_pytorch_comparison(*comparison);
    }
    const std::string gyre = self_executable();
    const std::string torch = torch_worker_path();
    GYRE_CHECK(!*versus || std::filesystem::exists(torch), NotAvailableError,
               "--vs-libtorch needs ", torch,
               ", which is built when libtorch-dev is installed (tools/setup.sh installs it)");
    nlohmann::json report = {{"model", "mlp 784-256-128-10, adam, fashion-mnist"},
                             {"rounds", *rounds}};
    std::map<std::string, Best> best;  // "gyre/32" -> best over thread counts
    // Each framework gets its best configuration: 1 or 2 threads, and for libtorch also its
    // data held as floats (faster per batch, four times the memory) or as bytes (as Gyre).
    std::map<std::string, double> rss;  // peak RSS with the images held as bytes, by framework
    // Gyre's overhead ratios at batch 128 (one per alternated pair), per thread count.
    std::map<int, std::vector<double>> overheads_at_128;
    for (int round = 0; round < *rounds; ++round) {
      for (std::int64_t batch : {32, 128, 256}) {
        for (int threads : {1, 2}) {
          std::vector<std::string> order = {"gyre", "libtorch/u8", "libtorch/f32"};
          if (threads == 2) std::reverse(order.begin(), order.end());  // A B C, then C B A
          for (const std::string& run : order) {
            const bool is_gyre = run == "gyre";
            if (!is_gyre && !*versus) continue;
            std::vector<std::string> argv =
                is_gyre ? std::vector<std::string>{gyre, "bench", "train-worker"}
                        : std::vector<std::string>{torch};
            argv.insert(argv.end(),
                        {"--batch", std::to_string(batch), "--threads", std::to_string(threads)});
            if (is_gyre && batch != 128) argv.insert(argv.end(), {"--overhead-pairs", "0"});
            if (!is_gyre) argv.insert(argv.end(), {"--data", run.substr(run.find('/') + 1)});
            std::cerr << "bench train: round " << round + 1 << "/" << *rounds << ", " << run
                      << ", batch " << batch << ", " << threads << " thread(s)\n";
            const nlohmann::json result = nlohmann::json::parse(run_worker_process(argv));
            const std::string framework = is_gyre ? "gyre" : "libtorch";
            best[framework + "/" + std::to_string(batch)].offer(result);
            if (is_gyre && batch == 128) {
              for (double ratio : result["overhead_ratios"])
                overheads_at_128[threads].push_back(ratio);
            }
            if (is_gyre || run == "libtorch/u8") {
              rss[framework] = std::max(rss[framework], result["peak_rss_mib"].get<double>());
            }
          }
        }
      }
    }
    std::cout << std::left << std::setw(10) << "framework" << std::setw(7) << "batch" << std::right
              << std::setw(9) << "threads" << std::setw(14) << "samples/s" << std::setw(14)
              << "step ms" << std::setw(16) << "latency b1 us" << std::setw(16) << "infer b256/s"
              << std::setw(12) << "peak MiB"
              << "\n";
    for (const auto& [key, entry] : best) {
      const nlohmann::json& r = entry.result;
      std::cout << std::left << std::setw(10) << r["framework"].get<std::string>() << std::setw(7)
                << r["batch"].get<int>() << std::right << std::setw(9) << r["threads"].get<int>()
                << std::fixed << std::setprecision(1) << std::setw(14)
                << r["samples_per_s"].get<double>() << std::setw(14) << std::setprecision(3)
                << r["step_ms"].get<double>() << std::setw(16) << std::setprecision(1)
                << r["latency_batch1_us"].get<double>() << std::setw(16)
                << r["inference_batch256_samples_per_s"].get<double>() << std::setw(12)
                << r["peak_rss_mib"].get<double>() << "\n";
    }
    for (std::int64_t batch : {32, 128, 256}) {
      const nlohmann::json& g = best["gyre/" + std::to_string(batch)].result;
      report["batch_" + std::to_string(batch)]["gyre_samples_per_s"] = g["samples_per_s"];
      if (*versus) {
        const nlohmann::json& t = best["libtorch/" + std::to_string(batch)].result;
        report["batch_" + std::to_string(batch)]["libtorch_samples_per_s"] = t["samples_per_s"];
        report["batch_" + std::to_string(batch)]["speedup"] =
            g["samples_per_s"].get<double>() / t["samples_per_s"].get<double>();
      }
    }
    const nlohmann::json& g128 = best["gyre/128"].result;
    report["gyre_latency_batch1_us"] = g128["latency_batch1_us"];
    report["gyre_inference_batch256_samples_per_s"] = g128["inference_batch256_samples_per_s"];
    report["gyre_peak_rss_mib"] = rss["gyre"];
    // The median pair and the spread, per thread count; the headline is at the thread count
    // of Gyre's best batch-128 throughput.
    nlohmann::json overhead_by_threads;
    for (auto& [threads, ratios] : overheads_at_128) {
      std::sort(ratios.begin(), ratios.end());
      overhead_by_threads[std::to_string(threads)] = {{"median", ratios[ratios.size() / 2]},
                                                      {"min", ratios.front()},
                                                      {"max", ratios.back()},
                                                      {"pairs", ratios.size()}};
    }
    const nlohmann::json& headline =
        overhead_by_threads[std::to_string(g128["threads"].get<int>())];
    report["overhead_ratio"] = headline["median"];
    report["overhead_ratio_spread"] = {headline["min"], headline["max"]};
    report["overhead_ratio_by_threads"] = overhead_by_threads;
    if (*versus) {
      const nlohmann::json& t128 = best["libtorch/128"].result;
      report["libtorch_latency_batch1_us"] = t128["latency_batch1_us"];
      report["libtorch_inference_batch256_samples_per_s"] =
          t128["inference_batch256_samples_per_s"];
      report["libtorch_peak_rss_mib"] = rss["libtorch"];
      report["libtorch_best_data_at_batch_128"] = t128.value("data", "");
    }
    std::cout << "\n" << report.dump(2) << "\n";
    if (!json_path->empty()) std::ofstream(*json_path) << report.dump(2) << "\n";
  });

  CLI::App* worker =
      bench.add_subcommand("train-worker", "");  // internal: one measurement, one process
  worker->group("");
  auto options = std::make_shared<TrainWorkerOptions>();
  worker->add_option("--batch", options->batch);
  worker->add_option("--threads", options->threads);
  worker->add_option("--warmup", options->warmup);
  worker->add_option("--overhead-pairs", options->overhead_pairs);
  worker->callback([options] { std::cout << run_gyre_train_worker(*options) << "\n"; });

  CLI::App* model_worker =
      bench.add_subcommand("model-worker", "");  // internal: one --vs-pytorch measurement
  model_worker->group("");
  auto model = std::make_shared<ModelWorkerOptions>();
  model_worker->add_option("--config", model->config)->required();
  model_worker->add_option("--workload", model->workload);
  model_worker->add_option("--batch", model->batch);
  model_worker->add_option("--threads", model->threads);
  model_worker->add_option("--steps", model->steps);
  model_worker->add_option("--epochs", model->epochs);
  model_worker->add_option("--warmup", model->warmup);
  model_worker->add_option("--data", model->data);
  model_worker->callback([model] { std::cout << run_gyre_model_worker(*model) << "\n"; });
}

}  // namespace gyre::bench
