#include "tools/cli/train_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "nn/fashion_mnist_split.h"
#include "nn/model_file.h"
#include "nn/network.h"
#include "parallel/mpi_communicator.h"
#include "parallel/parallel_wrapper.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "runtime/strcat.h"
#include "workspace/workspace_manager.h"

namespace gyre::cli {
namespace {

using Clock = std::chrono::steady_clock;

// A progress bar on stderr: epoch, examples, loss, samples/s and ETA, redrawn in place on a
// terminal and printed every 10% otherwise.
class ProgressBar final : public nn::TrainingListener {
 public:
  ProgressBar(int epochs, std::int64_t examples_per_epoch)
      : epochs_(epochs), per_epoch_(examples_per_epoch) {
    interactive_ = ::isatty(STDERR_FILENO) != 0;
  }

  void start_epoch() {
    start_ = Clock::now();
    seen_ = 0;
    next_report_ = per_epoch_ / 10;
  }

  void iteration_done(nn::Network& network, std::int64_t, int epoch,
                      std::int64_t examples) override {
    seen_ += examples;
    const bool due = interactive_ ? (Clock::now() - last_draw_ > std::chrono::milliseconds(200))
                                  : seen_ >= next_report_;
    if (!due && seen_ < per_epoch_) return;
    last_draw_ = Clock::now();
    if (!interactive_) next_report_ += per_epoch_ / 10;
    const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(seen_) / seconds : 0.0;
    const double eta = rate > 0 ? static_cast<double>(per_epoch_ - seen_) / rate : 0.0;
    const int width = 30, filled = static_cast<int>(width * static_cast<double>(seen_) /
                                                    static_cast<double>(per_epoch_));
    std::string bar(static_cast<std::size_t>(filled), '=');
    bar.resize(static_cast<std::size_t>(width), ' ');
    std::fprintf(
        stderr, "%sepoch %d/%d [%s] %3d%% loss %.4f  %.0f samples/s  ETA %.0fs%s",
        interactive_ ? "\r" : "", epoch + 1, epochs_, bar.c_str(),
        static_cast<int>(100.0 * static_cast<double>(seen_) / static_cast<double>(per_epoch_)),
        network.score(), rate, eta, interactive_ ? "" : "\n");
    std::fflush(stderr);
  }

 private:
  int epochs_;
  std::int64_t per_epoch_, seen_ = 0, next_report_ = 0;
  bool interactive_;
  Clock::time_point start_ = Clock::now(), last_draw_ = Clock::now();
};

struct TrainOptions {
  std::string config;
  std::string workspace_mode;
  int epochs = 10;
  std::int64_t batch = 128;
  std::uint64_t seed = 42;
  bool seed_given = false;
  std::string output = "gyre-model.safetensors";
  std::string device = "cpu";
  std::string data = nn::kFashionMnistDirectory;
  int workers = 0;  // > 0: a ParallelWrapper with this many worker threads
  int averaging_frequency = 1;
  std::string distributed;            // "mpi": one of several processes started by mpirun
  std::string lr_scaling = "linear";  // data-parallel: learning rate × replicas, or "none"
};

// The model is written after the whole run: a path it cannot be written to is found now.
void check_output_path(const std::string& output) {
  const std::filesystem::path path(output);
  const std::filesystem::path directory =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::error_code error;
  GYRE_CHECK(std::filesystem::exists(directory, error), InvalidArgumentError, "--output ", output,
             ": the directory ", directory.string(),
             " does not exist; create it, or choose another path");
  GYRE_CHECK(std::filesystem::is_directory(directory, error), InvalidArgumentError, "--output ",
             output, ": ", directory.string(), " is not a directory",
             error ? strcat(" (", error.message(), ")") : std::string(), "; choose another path");
  GYRE_CHECK(::access(directory.c_str(), W_OK) == 0, InvalidArgumentError, "--output ", output,
             ": the directory ", directory.string(), " is not writable; choose another path");
  GYRE_CHECK(!std::filesystem::is_directory(path, error), InvalidArgumentError, "--output ", output,
             " is a directory; give a file name such as ", (path / "model.safetensors").string());
}

// Fashion-MNIST has 10 classes: an output layer of another width fails now, not at the first
// batch after loading the data.
void check_classes(const nn::NetworkConfig& config, const std::string& source) {
  for (const nn::GraphOutput& output : config.outputs) {
    for (const nn::VertexConfig& vertex : config.vertices) {
      // A units that is not an integer is the layer's to report, when it is built.
      if (vertex.name != output.vertex || !vertex.layer.contains("units") ||
          !vertex.layer["units"].is_number_integer())
        continue;
      const auto units = vertex.layer["units"].get<std::int64_t>();
      GYRE_CHECK(units == 10, InvalidArgumentError, source, ": the output vertex '", vertex.name,
                 "' has ", units, " units; Fashion-MNIST has 10 classes: set \"units\": 10");
    }
  }
}

void train(const TrainOptions& options) {
  const std::string source = options.config.empty() ? "the default MLP" : options.config;
  nn::NetworkConfig config = options.config.empty() ? nn::NetworkConfig::mlp()
                                                    : nn::NetworkConfig::from_file(options.config);
  check_classes(config, source);
  if (options.seed_given) config.seed = options.seed;
  if (!options.workspace_mode.empty()) {
    const nn::WorkspaceMode mode = nn::parse_workspace_mode(options.workspace_mode);
    config.training_mode = config.inference_mode = mode;
  }
  const Device device = Device::parse(options.device);
  // Data-parallel: worker threads here, and with --distributed mpi the other processes.
  std::unique_ptr<parallel::MpiCommunicator> mpi;
  if (options.distributed == "mpi") mpi = std::make_unique<parallel::MpiCommunicator>();
  const bool parallel = options.workers > 0 || mpi != nullptr;
  const bool leader = mpi == nullptr || mpi->rank() == 0;  // prints and writes the model
  if (leader) check_output_path(options.output);
  // Each averaging round takes one step with the replicas' batches together, N times the
  // examples of a plain step: the linear scaling rule (Goyal et al., Horovod's advice)
  // keeps the progress per example.
  const int planned_replicas = std::max(options.workers, 1) * (mpi != nullptr ? mpi->size() : 1);
  if (parallel && planned_replicas > 1 && options.lr_scaling == "linear") {
    const float base = config.updater.learning_rate;
    config.updater.learning_rate = base * static_cast<float>(planned_replicas);
    if (leader)
      std::cerr << "learning rate " << base << " x " << planned_replicas
                << " replicas = " << config.updater.learning_rate
                << " (linear scaling; --lr-scaling none keeps " << base << ")\n";
  }
  // The network first: a layer's error names the config before any data is read.
  std::unique_ptr<nn::Network> built;
  try {
    built = std::make_unique<nn::Network>(config, device);
  } catch (const InvalidArgumentError& error) {  // a device's error is not the config's
    throw InvalidArgumentError(strcat(source, ": ", error.what()));
  }
  nn::Network& network = *built;
  // The wrapper's workers copy host batches to their devices, as does the prefetcher for the
  // host batches of time series.
  std::cerr << "loading Fashion-MNIST from " << options.data << "...\n";
  nn::FashionMnistSplit train_split(config, true, options.batch, parallel ? Device::cpu() : device,
                                    options.data);
  nn::FashionMnistSplit test_split(config, false, 1000, device, options.data);
  nn::DataSetIterator& train_source = train_split.iterator();
  nn::DataSetIterator& test_source = test_split.iterator();
  std::cerr << "network: " << config.vertices.size() << " vertices, " << network.parameter_count()
            << " parameters, " << device << ", workspace modes "
            << nn::name_of(config.training_mode) << "/" << nn::name_of(config.inference_mode)
            << ", batch " << options.batch << ", seed " << config.seed << "\n";
  std::unique_ptr<parallel::ParallelWrapper> wrapper;
  std::int64_t replicas = 1;
  if (parallel) {
    wrapper = parallel::ParallelWrapper::Builder(network)
                  .workers(std::max(options.workers, 1))
                  .averaging_frequency(options.averaging_frequency)
                  .across_processes(mpi.get())
                  .build();
    replicas = wrapper->workers() * (mpi != nullptr ? mpi->size() : 1);
    std::cerr << "data-parallel: " << wrapper->workers() << " worker(s) per process, "
              << (mpi != nullptr ? mpi->size() : 1) << " process(es), averaging every "
              << options.averaging_frequency << " iteration(s)\n";
  }
  // Worker 0 trains `network`: it sees one batch in `replicas`.
  ProgressBar progress(options.epochs, train_split.examples() / replicas);
  if (leader) network.add_listener(&progress);
  nn::Evaluation evaluation(10);
  if (options.epochs == 0) {  // nothing to train: the report is the initial parameters'
    network.evaluate(test_source, {&evaluation});
    if (leader)
      std::printf("no training (--epochs 0): test accuracy %.4f of the initial parameters\n",
                  evaluation.accuracy());
  }
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    progress.start_epoch();
    if (wrapper != nullptr)
      wrapper->fit(train_source, 1);
    else
      network.fit(train_source, 1);
    evaluation.reset();
    network.evaluate(test_source, {&evaluation});
    if (!leader) continue;
    std::fprintf(stderr, "\n");
    std::printf("epoch %d/%d: loss %.4f, test accuracy %.4f\n", epoch + 1, options.epochs,
                network.score(), evaluation.accuracy());
    std::fflush(stdout);
  }
  if (!leader) return;
  std::cout << "\n" << evaluation.stats() << "\nWorkspaces:\n";
  WorkspaceManager::for_device(device).print_allocation_statistics(std::cout);
  nn::save_model(network, options.output);
  std::cout << "model written to " << options.output << "\n";
}

}  // namespace

void add_train_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand(
      "train", "Train a network on Fashion-MNIST (default: the MLP 784-256-128-10 with Adam)");
  auto options = std::make_shared<TrainOptions>();
  command->add_option("--config", options->config, "Network config (JSON); e.g. configs/lenet.json")
      ->check(CLI::ExistingFile);
  command->add_option("--workspace-mode", options->workspace_mode,
                      "none, single or separate (training and inference)");
  command->add_option("--epochs", options->epochs, "Passes over the training set")
      ->check(CLI::Range(0, 100000));
  command->add_option("--batch", options->batch, "Examples per batch")
      ->check(CLI::Range(1, 1 << 20));
  command->add_option("--seed", options->seed, "Seed of initialisation, shuffling and dropout")
      ->check(CLI::Validator(
          [](const std::string& value) -> std::string {  // "-1" would wrap to 2^64 - 1
            return value.find('-') == std::string::npos
                       ? ""
                       : "Value " + value + " is negative; a seed is an integer >= 0";
          },
          "UINT >= 0"))
      ->each([options](const std::string&) { options->seed_given = true; });
  command->add_option("--output", options->output, "Where to write the model (safetensors)");
  command->add_option("--device", options->device,
                      "cpu, cuda[:N] or sim[:N] (simulated: GYRE_SIM_DEVICES=N)");
  command->add_option("--data", options->data, "Directory of the Fashion-MNIST IDX files");
  command
      ->add_option("--workers", options->workers,
                   "Data-parallel worker threads (ParallelWrapper); 0: plain training")
      ->check(CLI::Range(0, 1024));
  command
      ->add_option("--averaging-frequency", options->averaging_frequency,
                   "Iterations between parameter averagings of the workers")
      ->check(CLI::Range(1, 1000000));
  command
      ->add_option("--distributed", options->distributed,
                   "mpi: this process is one of several started by mpirun (mpirun -np P gyre "
                   "train --distributed mpi)")
      ->check(CLI::IsMember({"mpi"}));
  command
      ->add_option("--lr-scaling", options->lr_scaling,
                   "Data-parallel learning rate: linear (x the number of replicas, the "
                   "default) or none")
      ->check(CLI::IsMember({"linear", "none"}));
  command->callback([options] { train(*options); });
}

void add_eval_command(CLI::App& app) {
  CLI::App* command =
      app.add_subcommand("eval", "Evaluate a model file on the Fashion-MNIST test set");
  auto model = std::make_shared<std::string>();
  auto device = std::make_shared<std::string>("cpu");
  auto data = std::make_shared<std::string>(nn::kFashionMnistDirectory);
  command->add_option("model", *model, "The model file written by gyre train")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--device", *device, "cpu, cuda[:N] or sim[:N]");
  command->add_option("--data", *data, "Directory of the Fashion-MNIST IDX files");
  command->callback([model, device, data] {
    const Device target = Device::parse(*device);
    std::unique_ptr<nn::Network> network = nn::load_model(*model, target);
    // A time-series model sees the test images cut as in training (docs/design/recurrent.md).
    nn::FashionMnistSplit test(network->config(), false, 1000, target, *data);
    nn::Evaluation evaluation(10);
    network->evaluate(test.iterator(), {&evaluation});
    std::cout << evaluation.stats();
  });
}

}  // namespace gyre::cli
