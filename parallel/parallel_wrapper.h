#pragma once
// ParallelWrapper (DL4J's name): data-parallel training with one worker thread per model
// replica, each with its own workspaces, parameters averaged every few iterations.
// docs/design/parallel.md has DL4J's behaviour and where Gyre differs.
//
// Rounds are synchronous: the calling thread reads one batch per worker (in worker order,
// so a run is deterministic), each worker copies its batch into its own input memory and
// trains one iteration; every `averaging_frequency` rounds, and at the end of fit(), the
// workers average parameters (and updater state) through a Communicator. Across processes
// (MPI) every process reads the same batch sequence and trains the batches of its workers.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "nn/epoch_driver.h"
#include "nn/network.h"
#include "parallel/config_builder.h"
#include "parallel/nccl_communicator.h"
#include "parallel/thread_group.h"

namespace gyre::parallel {

struct ParallelWrapperConfig {
  /// Worker threads (replicas); 0: one per device (CUDA devices of the model's kind, or 1
  /// on the CPU). Worker i runs on device i mod device count.
  int workers = 0;
  /// Batches read ahead for the workers (0: none).
  int prefetch_buffer = 2;
  /// Rounds between averagings (>= 1).
  int averaging_frequency = 1;
  bool average_updaters = true;
  bool report_score_after_averaging = false;
  /// Overrides the replicas' training workspace mode.
  std::optional<nn::WorkspaceMode> workspace_mode;
  /// Other processes of the job (not owned; MPI). Null: this process alone.
  Communicator* across_processes = nullptr;

  /// Throws InvalidArgumentError naming the field that is wrong.
  void validate() const;
};

struct ParallelStatistics {
  std::int64_t rounds = 0;
  std::int64_t averagings = 0;
  double train_seconds = 0.0;      // wall time of the rounds' training
  double averaging_seconds = 0.0;  // wall time of the averagings
  double last_averaged_score = 0.0;
};

class ParallelWrapper {
 public:
  class Builder
      : public ConfigBuilder<Builder, nn::Network, ParallelWrapperConfig, ParallelWrapper> {
   public:
    using ConfigBuilder::ConfigBuilder;
    Builder& workers(int count) { return set(config_.workers, count); }
    Builder& prefetch_buffer(int batches) { return set(config_.prefetch_buffer, batches); }
    Builder& averaging_frequency(int rounds) { return set(config_.averaging_frequency, rounds); }
    Builder& average_updaters(bool on) { return set(config_.average_updaters, on); }
    Builder& report_score_after_averaging(bool on) {
      return set(config_.report_score_after_averaging, on);
    }
    Builder& workspace_mode(nn::WorkspaceMode mode) { return set(config_.workspace_mode, mode); }
    Builder& across_processes(Communicator* communicator) {
      return set(config_.across_processes, communicator);
    }
  };

  /// Worker 0 trains `model` itself; the others train copies (identical at the start).
  ParallelWrapper(nn::Network& model, const ParallelWrapperConfig& config);
  ~ParallelWrapper();
  ParallelWrapper(const ParallelWrapper&) = delete;
  ParallelWrapper& operator=(const ParallelWrapper&) = delete;

  /// Trains `epochs` passes over `data`. An exception in any worker stops the round, stops
  /// every worker thread and is rethrown here; the next fit() starts them again.
  void fit(nn::DataSetIterator& data, int epochs = 1);
  /// The same over batches of every input and output of a graph.
  void fit(nn::MultiDataSetIterator& data, int epochs = 1);

  int workers() const { return static_cast<int>(replicas_.size()); }
  /// How replicas average: "nccl" or "sim" (a device collective on the replicas' streams),
  /// "host mirrors" (device replicas through the thread group), or "threads" (CPU).
  const char* averaging() const {
    if (use_device_group_) return devices_.front().is_sim() ? "sim" : "nccl";
    return devices_.front().is_cpu() ? "threads" : "host mirrors";
  }
  const nn::Network& replica(int index) const {
    return *replicas_[static_cast<std::size_t>(index)];
  }
  const ParallelWrapperConfig& config() const { return config_; }
  ParallelStatistics statistics() const;

 private:
  enum class Command { none, train, average, stop };
  struct Worker {
    std::thread thread;
    Command command = Command::none;
    const nn::DataSet* mailbox = nullptr;             // the batch to copy (valid until it acks)
    const nn::MultiDataSet* multi_mailbox = nullptr;  // or this one
    nn::MultiDataSet multi_input;  // its copy of a MultiDataSet (the vectors reused)
    bool trained_since_average = false;
    Tensor host_parameters, host_state,
        host_updater_state;  // device replicas: host mirrors to average
  };
  void start_workers();
  void stop_workers() noexcept;
  void run_worker(int index);
  template <typename Source>
  void fit_over(Source& data, int epochs);
  void train_on(int index, const nn::DataSet& batch);
  void train_on(int index, const nn::MultiDataSet& batch);
  /// The worker's input memory, open on its thread.
  WorkspaceScope open_input(int index);
  /// The worker has copied its batch (`read_a_device`: from a device, waited for): the
  /// reader may move on.
  void release_mailbox(int index, bool read_a_device);
  /// Hands `batch` to worker `index` and waits until it has copied it.
  void post(std::size_t index, const nn::DataSet& batch);
  void post(std::size_t index, const nn::MultiDataSet& batch);
  void hand_over(std::size_t index, const nn::DataSet* batch, const nn::MultiDataSet* multi);
  void command_all(Command command);
  void wait_idle(std::unique_lock<std::mutex>& lock);
  void average_round();

  ParallelWrapperConfig config_;
  std::vector<nn::Network*> replicas_;
  std::vector<std::unique_ptr<nn::Network>> owned_replicas_;
  std::vector<Device> devices_;
  std::unique_ptr<ThreadGroup> group_;
  // Replicas on distinct accelerators of one process average on their own streams: NCCL on
  // GPUs, SimCommunicator on sim devices (also NCCL across MPI processes, one GPU each).
  std::vector<std::unique_ptr<DeviceCommunicator>> device_group_;
  bool use_device_group_ = false;
  nn::EpochDriver epochs_;  // reads the batches ahead (config_.prefetch_buffer), unpaced
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Worker> workers_;
  bool running_ = false;
  std::exception_ptr failure_;
  std::int64_t rounds_since_average_ = 0;
  ParallelStatistics statistics_;
};

}  // namespace gyre::parallel
