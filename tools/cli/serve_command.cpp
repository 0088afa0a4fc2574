#include "tools/cli/serve_command.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>

#include "nn/model_file.h"
#include "parallel/parallel_inference.h"
#include "tools/serve/inference_server.h"

namespace gyre::cli {
namespace {

struct ServeOptions {
  std::string model;
  std::string device = "cpu";
  serve::ServerOptions server;
  int workers = 0;
  std::string mode = "batched";
  std::int64_t batch_limit = 32;
  std::int64_t max_queue_delay_us = 200;
  std::size_t queue_limit = 256;
  bool batch_invariant = false;
};

void serve_until_signal(const ServeOptions& options) {
  // SIGTERM and SIGINT are taken by sigwait below: block them before any thread starts, so
  // every thread inherits the mask and none is interrupted mid-request.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::unique_ptr<nn::Network> network =
      nn::load_model(options.model, Device::parse(options.device));
  auto inference =
      parallel::ParallelInference::Builder(*network)
          .workers(options.workers)
          .inference_mode(options.mode == "sequential" ? parallel::InferenceMode::SEQUENTIAL
                                                       : parallel::InferenceMode::BATCHED)
          .batch_limit(options.batch_limit)
          .max_queue_delay(std::chrono::microseconds(options.max_queue_delay_us))
          .queue_limit(options.queue_limit)
          .batch_invariant(options.batch_invariant)
          .build();
  serve::InferenceServer server(*inference, network->config().input_shape(), options.server);
  const int port = server.start();
  std::cout << "serving " << options.model << " on http://" << options.server.host << ":" << port
            << " (" << inference->workers() << " worker(s), "
            << parallel::name_of(inference->config().mode) << ", batch limit "
            << options.batch_limit << ", queue limit " << options.queue_limit
            << "); SIGTERM or Ctrl-C stops it" << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  std::cout << "signal " << received << ": finishing the requests in flight..." << std::endl;
  server.stop();
  const parallel::InferenceStatistics statistics = inference->statistics();
  std::cout << "answered " << statistics.requests << " request(s) in " << statistics.batches
            << " batch(es), " << statistics.errors << " error(s), " << statistics.rejected
            << " refused at the queue limit" << std::endl;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand("serve", "Serve a model over HTTP (POST /v1/predict)");
  auto options = std::make_shared<ServeOptions>();
  command->add_option("model", options->model, "The model file written by gyre train")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--host", options->server.host, "Address to bind (default: loopback only)");
  command->add_option("--port", options->server.port, "Port (0: any free one)")
      ->check(CLI::Range(0, 65535));
  command->add_option("--device", options->device, "cpu, cuda[:N] or sim[:N]");
  command->add_option("--workers", options->workers, "Model replicas (0: one per device)")
      ->check(CLI::Range(0, 256));
  command->add_option("--mode", options->mode, "batched or sequential")
      ->check(CLI::IsMember({"batched", "sequential"}));
  command->add_option("--batch-limit", options->batch_limit, "Most examples in one batch")
      ->check(CLI::Range(1, 1 << 20));
  command
      ->add_option("--max-queue-delay-us", options->max_queue_delay_us,
                   "How long a batch may wait to fill (microseconds)")
      ->check(CLI::Range(0, 10000000));
  command->add_option("--queue-limit", options->queue_limit, "Requests waiting beyond this get 503")
      ->check(CLI::Range(1, 1 << 20));
  command
      ->add_option("--max-body-bytes", options->server.max_body_bytes,
                   "Larger request bodies get 413")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));  // "-5" would wrap to no limit
  command->add_option("--http-threads", options->server.http_threads, "HTTP worker threads")
      ->check(CLI::Range(1, 1024));
  command->add_flag("--batch-invariant", options->batch_invariant,
                    "An answer's bits do not depend on the requests batched with it");
  command->callback([options] { serve_until_signal(*options); });
}

}  // namespace gyre::cli
