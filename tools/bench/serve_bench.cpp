#include "tools/bench/serve_bench.h"

#include <cblas.h>
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "parallel/parallel_inference.h"
#include "tools/serve/inference_server.h"

namespace gyre::bench {
namespace {
using Clock = std::chrono::steady_clock;

struct LoadOptions {
  int clients = 64;
  int requests = 20000;
  int batch_limit = 32;
  int max_queue_delay_us = 200;
};

// Runs `send(client, request)` from `clients` threads until `requests` are answered; returns
// each request's latency in microseconds and the wall time.
template <typename Send>
std::pair<std::vector<double>, double> run_load(const LoadOptions& options, Send send) {
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(options.clients));
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < options.clients; ++c) {
    threads.emplace_back([&, c] {
      auto& mine = latencies[static_cast<std::size_t>(c)];
      for (int i = next++; i < options.requests; i = next++) {
        const auto sent = Clock::now();
        send(c, i);
        mine.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& mine : latencies) all.insert(all.end(), mine.begin(), mine.end());
  std::sort(all.begin(), all.end());
  return {all, seconds};
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

nlohmann::json measure(const nn::Network& model, parallel::InferenceMode mode, bool http,
                       const LoadOptions& options) {
  auto inference = parallel::ParallelInference::Builder(model)
                       .inference_mode(mode)
                       .batch_limit(options.batch_limit)
                       .max_queue_delay(std::chrono::microseconds(options.max_queue_delay_us))
                       .queue_limit(static_cast<std::size_t>(options.clients) * 2)
                       .build();
  const std::int64_t features = model.config().input_shape().numel();
  std::vector<float> example(static_cast<std::size_t>(features), 0.5f);
  const Tensor input = Tensor::wrap(example.data(), {1, features}, DType::f32).detach();
  std::pair<std::vector<double>, double> result;
  std::atomic<int> failures{0};
  if (http) {
    serve::ServerOptions server_options;
    server_options.port = 0;
    server_options.http_threads = options.clients + 4;
    serve::InferenceServer server(*inference, model.config().input_shape(), server_options);
    const int port = server.start();
    std::vector<std::unique_ptr<httplib::Client>> clients;
    for (int c = 0; c < options.clients; ++c) {  // one kept-alive connection each
      clients.push_back(std::make_unique<httplib::Client>("127.0.0.1", port));
      clients.back()->set_keep_alive(true);
      clients.back()->set_tcp_nodelay(true);
      clients.back()->Get("/healthz");
    }
    const std::string body(reinterpret_cast<const char*>(example.data()),
                           example.size() * sizeof(float));
    result = run_load(options, [&](int c, int) {
      auto reply = clients[static_cast<std::size_t>(c)]->Post("/v1/predict", body,
                                                              "application/octet-stream");
      if (!reply || reply->status != 200) ++failures;
    });
    server.stop();
  } else {
    result = run_load(options, [&](int, int) { (void)inference->output(input); });
  }
  const parallel::InferenceStatistics statistics = inference->statistics();
  const auto& [latencies, seconds] = result;
  return {{"mode", parallel::name_of(mode)},
          {"transport", http ? "http" : "in-process"},
          {"requests", latencies.size()},
          {"failures", failures.load()},
          {"requests_per_s", static_cast<double>(latencies.size()) / seconds},
          {"p50_us", percentile(latencies, 0.50)},
          {"p90_us", percentile(latencies, 0.90)},
          {"p95_us", percentile(latencies, 0.95)},
          {"p99_us", percentile(latencies, 0.99)},
          {"mean_batch_examples",
           static_cast<double>(statistics.examples) / static_cast<double>(statistics.batches)},
          {"server_queue_us_per_request",
           1e6 * statistics.queue_seconds / static_cast<double>(statistics.requests)},
          {"server_compute_us_per_batch",
           1e6 * statistics.compute_seconds / static_cast<double>(statistics.batches)}};
}
}  // namespace

void add_serve_benchmark(CLI::App& bench) {
  CLI::App* command = bench.add_subcommand(
      "serve",
      "Load generator: SEQUENTIAL vs BATCHED serving of the MLP, in process and over HTTP");
  auto options = std::make_shared<LoadOptions>();
  auto json_path = std::make_shared<std::string>();
  auto transport = std::make_shared<std::string>("both");
  command->add_option("--clients", options->clients, "Concurrent clients")
      ->check(CLI::Range(1, 1024));
  command
      ->add_option("--requests", options->requests, "Requests per measurement (one example each)")
      ->check(CLI::Range(1, 100000000));
  command->add_option("--batch-limit", options->batch_limit, "BATCHED: examples per batch")
      ->check(CLI::Range(1, 4096));
  command
      ->add_option("--max-queue-delay-us", options->max_queue_delay_us,
                   "BATCHED: how long a batch may wait to fill")
      ->check(CLI::Range(0, 1000000));
  command->add_option("--transport", *transport, "in-process, http or both")
      ->check(CLI::IsMember({"in-process", "http", "both"}));
  command->add_option("--json", *json_path, "Write the results as JSON to this file");
  command->callback([=] {
    openblas_set_num_threads(1);  // the worker's products stay on its own thread
    const nn::Network model(nn::NetworkConfig::mlp());
    nlohmann::json report = {{"model", "mlp 784-256-128-10 (random weights)"},
                             {"clients", options->clients},
                             {"batch_limit", options->batch_limit},
                             {"max_queue_delay_us", options->max_queue_delay_us},
                             {"workers", 1},
                             {"runs", nlohmann::json::array()}};
    std::cout << std::left << std::setw(12) << "transport" << std::setw(12) << "mode" << std::right
              << std::setw(12) << "req/s" << std::setw(10) << "p50 us" << std::setw(10) << "p95 us"
              << std::setw(10) << "p99 us" << std::setw(12) << "mean batch" << std::setw(12)
              << "queue us" << std::setw(14) << "compute us/b"
              << "\n";
    for (bool http : {false, true}) {
      if ((http && *transport == "in-process") || (!http && *transport == "http")) continue;
      nlohmann::json pair;
      for (auto mode : {parallel::InferenceMode::SEQUENTIAL, parallel::InferenceMode::BATCHED}) {
        std::cerr << "bench serve: " << (http ? "http" : "in-process") << ", "
                  << parallel::name_of(mode) << ", " << options->clients << " clients\n";
        const nlohmann::json run = measure(model, mode, http, *options);
        report["runs"].push_back(run);
        pair[parallel::name_of(mode)] = run;
        std::cout << std::left << std::setw(12) << run["transport"].get<std::string>()
                  << std::setw(12) << run["mode"].get<std::string>() << std::right << std::fixed
                  << std::setprecision(0) << std::setw(12) << run["requests_per_s"].get<double>()
                  << std::setw(10) << run["p50_us"].get<double>() << std::setw(10)
                  << run["p95_us"].get<double>() << std::setw(10) << run["p99_us"].get<double>()
                  << std::setprecision(1) << std::setw(12)
                  << run["mean_batch_examples"].get<double>() << std::setw(12)
                  << run["server_queue_us_per_request"].get<double>() << std::setw(14)
                  << run["server_compute_us_per_batch"].get<double>() << "\n";
      }
      const std::string key = http ? "http" : "in_process";
      report[key + "_throughput_ratio"] = pair["BATCHED"]["requests_per_s"].get<double>() /
                                          pair["SEQUENTIAL"]["requests_per_s"].get<double>();
      report[key + "_p95_ratio"] =
          pair["BATCHED"]["p95_us"].get<double>() / pair["SEQUENTIAL"]["p95_us"].get<double>();
    }
    std::cout << "\n" << report.dump(2) << "\n";
    if (!json_path->empty()) std::ofstream(*json_path) << report.dump(2) << "\n";
  });
}

}  // namespace gyre::bench
