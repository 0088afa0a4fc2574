#include "parallel/parallel_wrapper.h"

#include <chrono>

#include "parallel/mpi_communicator.h"
#include "parallel/replica_devices.h"
#include "parallel/sim_communicator.h"
#include "runtime/log.h"
#include "runtime/tensor_copy.h"
#include "runtime/thread_census.h"
#include "workspace/workspace_manager.h"

namespace gyre::parallel {
namespace {
using Clock = std::chrono::steady_clock;
constexpr const char* kWorkerInput = "PW_INPUT";  // each worker's copy of its batch

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}
}  // namespace

void ParallelWrapperConfig::validate() const {
  GYRE_CHECK(workers >= 0, InvalidArgumentError, "ParallelWrapper: workers ", workers,
             " must be >= 1 (or 0 for one per device)");
  GYRE_CHECK(prefetch_buffer >= 0, InvalidArgumentError, "ParallelWrapper: prefetch_buffer ",
             prefetch_buffer, " must be >= 0 (0 turns prefetching off)");
  GYRE_CHECK(averaging_frequency >= 1, InvalidArgumentError,
             "ParallelWrapper: averaging_frequency ", averaging_frequency,
             " must be >= 1 (the number of iterations between parameter averagings; the "
             "replicas are always averaged at the end of fit() too)");
}

ParallelWrapper::ParallelWrapper(nn::Network& model, const ParallelWrapperConfig& config)
    : config_(config), epochs_(config.prefetch_buffer, Device::cpu()) {
  config_.validate();
  const Device home = model.device();
  const int devices = home.is_accelerator() ? std::max(device_count(home.type), 1) : 1;
  devices_ = replica_devices(home, config_.workers);
  const int count = static_cast<int>(devices_.size());
  if (config_.workspace_mode)
    model.set_workspace_modes(*config_.workspace_mode, model.config().inference_mode);
  replicas_.push_back(&model);
  for (int i = 1; i < count; ++i) {
    owned_replicas_.push_back(model.clone_to(devices_[static_cast<std::size_t>(i)]));
    replicas_.push_back(owned_replicas_.back().get());
  }
  group_ = std::make_unique<ThreadGroup>(count, config_.across_processes);
  // A device collective where every rank has an accelerator of its own: distinct devices of
  // this process (NCCL, or its sim twin), or one GPU per MPI process (NCCL, truly CUDA);
  // otherwise device replicas average through host mirrors.
  const bool distinct_devices =
      home.is_accelerator() && count > 1 && count <= devices && config_.across_processes == nullptr;
  const bool gpu_per_process = home.is_cuda() && count == 1 &&
                               dynamic_cast<MpiCommunicator*>(config_.across_processes) != nullptr;
  use_device_group_ = (distinct_devices && home.is_sim()) ||
                      ((distinct_devices || gpu_per_process) && NcclCommunicator::available());
  workers_.resize(static_cast<std::size_t>(count));
}

ParallelWrapper::~ParallelWrapper() {
  stop_workers();
}

ParallelStatistics ParallelWrapper::statistics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return statistics_;
}

void ParallelWrapper::start_workers() {
  if (running_) return;
  group_->reset();
  if (use_device_group_ && device_group_.empty()) {
    if (devices_.front().is_sim()) {
      for (auto& member : SimCommunicator::create_group(devices_))
        device_group_.push_back(std::move(member));
    } else if (config_.across_processes == nullptr) {
      for (auto& member : NcclCommunicator::create_group(devices_))
        device_group_.push_back(std::move(member));
    } else {  // one GPU per process: NCCL over MPI
      device_group_.push_back(NcclCommunicator::create_across(
          dynamic_cast<MpiCommunicator&>(*config_.across_processes), devices_.front()));
    }
  }
  failure_ = nullptr;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    workers_[i].command = Command::none;
    workers_[i].thread = std::thread([this, i] {
      const ThreadCensus::Member counted;
      run_worker(static_cast<int>(i));
    });
  }
  running_ = true;
}

void ParallelWrapper::stop_workers() noexcept {
  if (!running_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Worker& worker : workers_) worker.command = Command::stop;
  }
  changed_.notify_all();
  for (Worker& worker : workers_) {
    if (worker.thread.joinable()) worker.thread.join();  // its workspaces go with it
  }
  running_ = false;
}

void ParallelWrapper::run_worker(int index) {
  Worker& self = workers_[static_cast<std::size_t>(index)];
  const Device device = devices_[static_cast<std::size_t>(index)];
  const DeviceGuard on_device(device);
  // A stream of its own: workers sharing a device would otherwise serialize on its legacy
  // stream. Its work is complete whenever an average ends (below), so the caller may read
  // the replicas when fit() returns.
  const OwnedStream stream(device);
  const StreamGuard on_own_stream(stream);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return self.command != Command::none; });
    const Command command = self.command;
    if (command == Command::stop) return;
    const nn::DataSet* batch = self.mailbox;
    const nn::MultiDataSet* multi = self.multi_mailbox;
    lock.unlock();
    try {
      if (command == Command::train) {
        if (multi != nullptr)
          train_on(index, *multi);
        else
          train_on(index, *batch);
      } else {  // average: parameters, then updater state, of whoever trained since the last
        Communicator& communicator =
            use_device_group_
                ? static_cast<Communicator&>(*device_group_[static_cast<std::size_t>(index)])
                : group_->member(index);
        nn::Network& replica = *replicas_[static_cast<std::size_t>(index)];
        auto average = [&](const Tensor& buffer, Tensor& host) {
          if (buffer.device().is_cpu() || use_device_group_) {  // device memory, in place
            communicator.average(buffer, self.trained_since_average);
            return;
          }
          // Device replicas average through a host mirror, made once per worker.
          if (!host.defined())
            host = Tensor::empty_detached(buffer.shape(), DType::f32, Device::cpu());
          copy_tensor(buffer, host);
          Stream::current(buffer.device()).synchronize();
          communicator.average(host, self.trained_since_average);
          copy_tensor(host, buffer);
        };
        average(replica.parameters(), self.host_parameters);
        if (replica.state().numel() > 0) average(replica.state(), self.host_state);
        if (config_.average_updaters && replica.updater_state().numel() > 0)
          average(replica.updater_state(), self.host_updater_state);
        stream.view().synchronize();
        self.trained_since_average = false;
      }
    } catch (const std::exception& error) {
      group_->abort(strcat("worker ", index, " failed: ", error.what()));
      for (auto& communicator : device_group_) communicator->abort();  // no stream waits
      lock.lock();
      if (failure_ == nullptr) failure_ = std::current_exception();
      lock.unlock();
    }
    lock.lock();
    self.command = Command::none;
    self.mailbox = nullptr;
    self.multi_mailbox = nullptr;
    changed_.notify_all();
  }
}

namespace {
// A copy in the active workspace of `device` (undefined stays undefined: a missing mask).
Tensor copy_to(const Tensor& tensor, Device device) {
  if (!tensor.defined()) return Tensor();
  Tensor copy = Tensor::empty(tensor.shape(), tensor.dtype(), device);
  copy_tensor(tensor, copy);
  return copy;
}

bool on_accelerator(const Tensor& tensor) {
  return tensor.defined() && tensor.device().is_accelerator();
}

// A device batch must be complete before the workers read it on streams of their own.
void synchronize_batch(const Tensor& tensor) {
  if (!on_accelerator(tensor)) return;
  const DeviceGuard on_batch(tensor.device());
  Stream::current(tensor.device()).synchronize();
}
}  // namespace

// The batch lives until the next read: the worker copies it into its own input memory (which
// grows, REALLOCATE, when a longer batch arrives, a time series, then stays), masks included.
WorkspaceScope ParallelWrapper::open_input(int index) {
  WorkspaceConfig input_config;
  input_config.spill = SpillPolicy::REALLOCATE;
  return WorkspaceManager::for_device(devices_[static_cast<std::size_t>(index)])
      .activate(kWorkerInput, input_config);
}

// A source's device memory may be rewritten once the mailbox is free: the copies must have
// read it first. (Host batches need no wait: a copy from pageable memory has read it when it
// returns.)
void ParallelWrapper::release_mailbox(int index, bool read_a_device) {
  if (read_a_device) Stream::current(devices_[static_cast<std::size_t>(index)]).synchronize();
  Worker& self = workers_[static_cast<std::size_t>(index)];
  {
    std::lock_guard<std::mutex> lock(mutex_);
    self.mailbox = nullptr;  // the reader may move on
    self.multi_mailbox = nullptr;
  }
  changed_.notify_all();
}

void ParallelWrapper::train_on(int index, const nn::DataSet& batch) {
  const Device device = devices_[static_cast<std::size_t>(index)];
  WorkspaceScope input = open_input(index);
  const nn::DataSet mine{copy_to(batch.features, device), copy_to(batch.labels, device),
                         copy_to(batch.features_mask, device), copy_to(batch.labels_mask, device)};
  release_mailbox(index, on_accelerator(batch.features) || on_accelerator(batch.labels) ||
                             on_accelerator(batch.features_mask) ||
                             on_accelerator(batch.labels_mask));
  replicas_[static_cast<std::size_t>(index)]->fit(mine);
  workers_[static_cast<std::size_t>(index)].trained_since_average = true;
}

// The same for every tensor of a MultiDataSet, into vectors the worker keeps.
void ParallelWrapper::train_on(int index, const nn::MultiDataSet& batch) {
  const Device device = devices_[static_cast<std::size_t>(index)];
  WorkspaceScope input = open_input(index);
  bool read_a_device = false;
  const auto copy_all = [&](const std::vector<Tensor>& from, std::vector<Tensor>& to) {
    to.clear();
    for (const Tensor& tensor : from) {
      read_a_device |= on_accelerator(tensor);
      to.push_back(copy_to(tensor, device));
    }
  };
  Worker& self = workers_[static_cast<std::size_t>(index)];
  nn::MultiDataSet& mine = self.multi_input;
  copy_all(batch.features, mine.features);
  copy_all(batch.labels, mine.labels);
  copy_all(batch.features_masks, mine.features_masks);
  copy_all(batch.labels_masks, mine.labels_masks);
  release_mailbox(index, read_a_device);
  replicas_[static_cast<std::size_t>(index)]->fit(mine);
  self.trained_since_average = true;
}

void ParallelWrapper::post(std::size_t index, const nn::DataSet& batch) {
  synchronize_batch(batch.features);
  hand_over(index, &batch, nullptr);
}

void ParallelWrapper::post(std::size_t index, const nn::MultiDataSet& batch) {
  for (const Tensor& tensor : batch.features) synchronize_batch(tensor);
  hand_over(index, nullptr, &batch);
}

void ParallelWrapper::hand_over(std::size_t index, const nn::DataSet* batch,
                                const nn::MultiDataSet* multi) {
  Worker& worker = workers_[index];
  std::unique_lock<std::mutex> lock(mutex_);
  worker.mailbox = batch;
  worker.multi_mailbox = multi;
  worker.command = Command::train;
  changed_.notify_all();
  changed_.wait(lock, [&] {  // copied
    return worker.mailbox == nullptr && worker.multi_mailbox == nullptr;
  });
}

void ParallelWrapper::command_all(Command command) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Worker& worker : workers_) worker.command = command;
  }
  changed_.notify_all();
}

void ParallelWrapper::wait_idle(std::unique_lock<std::mutex>& lock) {
  changed_.wait(lock, [this] {
    for (const Worker& worker : workers_) {
      if (worker.command != Command::none) return false;
    }
    return true;
  });
}

void ParallelWrapper::average_round() {
  const auto start = Clock::now();
  command_all(Command::average);
  std::unique_lock<std::mutex> lock(mutex_);
  wait_idle(lock);
  if (failure_ != nullptr) return;
  rounds_since_average_ = 0;
  ++statistics_.averagings;
  statistics_.averaging_seconds += seconds_since(start);
  if (config_.report_score_after_averaging) {
    double total = 0.0;
    for (const nn::Network* replica : replicas_) total += replica->score();
    statistics_.last_averaged_score = total / static_cast<double>(replicas_.size());
    GYRE_LOG(parallel, info, "averaged score ", statistics_.last_averaged_score,
             ", averaging time ", seconds_since(start) * 1e3, " ms");
  }
}

void ParallelWrapper::fit(nn::DataSetIterator& data, int epochs) {
  fit_over(data, epochs);
}

void ParallelWrapper::fit(nn::MultiDataSetIterator& data, int epochs) {
  fit_over(data, epochs);
}

template <typename Source>
void ParallelWrapper::fit_over(Source& data, int epochs) {
  GYRE_CHECK(epochs >= 0, InvalidArgumentError, "ParallelWrapper::fit: epochs ", epochs,
             " must be >= 0");
  {  // the workers train the model on streams of their own: the caller's work on it first
    const DeviceGuard on_model(devices_.front());
    Stream::current(devices_.front()).synchronize();
  }
  start_workers();
  const int local = workers();
  const int processes = config_.across_processes ? config_.across_processes->size() : 1;
  const int first_local = config_.across_processes ? config_.across_processes->rank() * local : 0;
  const int global = local * processes;
  auto rethrow_if_failed = [this] {
    std::exception_ptr failure;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      failure = failure_;
    }
    if (failure != nullptr) std::rethrow_exception(failure);
  };
  try {
    epochs_.run(data, epochs, [&](Source& source) {
      for (bool more = true; more;) {
        const auto start = Clock::now();
        int read = 0;
        for (int g = 0; g < global && source.has_next(); ++g, ++read) {
          const auto& batch = source.next();  // a DataSet, or a MultiDataSet the source keeps
          if (g < first_local || g >= first_local + local) continue;  // another process's
          post(static_cast<std::size_t>(g - first_local), batch);
        }
        {
          std::unique_lock<std::mutex> lock(mutex_);
          wait_idle(lock);
          if (read > 0) {
            ++statistics_.rounds;
            statistics_.train_seconds += seconds_since(start);
          }
        }
        rethrow_if_failed();
        more = read == global;  // a short round ends the epoch
        if (read > 0 && ++rounds_since_average_ == config_.averaging_frequency) {
          average_round();
          rethrow_if_failed();
        }
      }
    });
    if (rounds_since_average_ > 0) {  // the end of fit(): replicas leave identical
      average_round();
      rethrow_if_failed();
    }
  } catch (...) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wait_idle(lock);
    }
    epochs_.discard_prefetcher();
    stop_workers();         // no thread outlives a failed fit(), the prefetcher's included
    device_group_.clear();  // aborted communicators are remade by the next fit()
    rounds_since_average_ = 0;
    throw;
  }
}

}  // namespace gyre::parallel
