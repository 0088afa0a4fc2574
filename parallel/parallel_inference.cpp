#include "parallel/parallel_inference.h"

#include <algorithm>

#include "kernels/ops.h"
#include "parallel/replica_devices.h"
#include "runtime/log.h"
#include "runtime/tensor_copy.h"
#include "runtime/thread_census.h"
#include "workspace/workspace_manager.h"

namespace gyre::parallel {
namespace {
using Clock = std::chrono::steady_clock;
constexpr const char* kBatchInput = "PI_INPUT";  // each worker's merged batch
// Its merged time series: their length varies, so the size cannot be learned up front as
// PI_INPUT's is (a workspace id keeps one configuration).
constexpr const char* kSequenceInput = "PI_SEQUENCES";

double seconds_between(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double>(end - start).count();
}
}  // namespace

const char* name_of(InferenceMode mode) {
  return mode == InferenceMode::SEQUENTIAL ? "SEQUENTIAL" : "BATCHED";
}

void ParallelInferenceConfig::validate() const {
  GYRE_CHECK(workers >= 0, InvalidArgumentError, "ParallelInference: workers ", workers,
             " must be >= 1 (or 0 for one per device)");
  GYRE_CHECK(batch_limit >= 1, InvalidArgumentError, "ParallelInference: batch_limit ", batch_limit,
             " must be >= 1 (examples per batch)");
  GYRE_CHECK(max_queue_delay.count() >= 0, InvalidArgumentError,
             "ParallelInference: max_queue_delay ", max_queue_delay.count(), " µs must be >= 0");
  GYRE_CHECK(queue_limit >= 1, InvalidArgumentError,
             "ParallelInference: queue_limit must be >= 1 request");
}

ParallelInference::ParallelInference(const nn::Network& model,
                                     const ParallelInferenceConfig& config)
    : config_(config) {
  config_.validate();
  for (const Device device : replica_devices(model.device(), config_.workers)) {
    std::unique_ptr<nn::Network> replica = model.clone_to(device);
    replica->set_batch_invariant(config_.batch_invariant);
    replicas_.push_back(std::move(replica));
  }
  const int count = static_cast<int>(replicas_.size());
  for (int i = 0; i < count; ++i) {
    threads_.emplace_back([this, i] {
      const ThreadCensus::Member counted;
      run_worker(i);
    });
  }
}

ParallelInference::~ParallelInference() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

Tensor PendingOutput::get() {
  GYRE_CHECK(completion_ != nullptr, InvalidArgumentError, "PendingOutput::get() on no request");
  std::unique_lock<std::mutex> lock(completion_->mutex);
  completion_->done_changed.wait(lock, [this] { return completion_->done; });
  GYRE_CHECK(!completion_->failed, ParallelError, "inference batch failed: ", completion_->error);
  return completion_->value;
}

bool PendingOutput::ready() const {
  std::lock_guard<std::mutex> lock(completion_->mutex);
  return completion_->done;
}

PendingOutput ParallelInference::submit(const Tensor& features, const Tensor& mask) {
  const Shape& example = replicas_.front()->config().input_shape();
  const bool series = example.rank() == 2;  // [T, C]: any number of steps
  bool fits = features.defined() && features.shape().rank() == example.rank() + 1 &&
              features.shape().dim(0) >= 1 && features.dtype() == DType::f32;
  for (int d = 0; fits && d < example.rank(); ++d)
    fits = features.shape().dim(d + 1) == example.dim(d) || (series && d == 0);
  GYRE_CHECK(fits && (!series || features.shape().dim(1) >= 1), InvalidArgumentError,
             "ParallelInference: the input ", features.description(),
             " is not a batch of f32 examples of shape ", example, " ([n, ",
             series                ? "steps (any), features"
             : example.rank() == 1 ? "features"
                                   : "channels, height, width",
             "], n >= 1)");
  if (mask.defined()) {
    GYRE_CHECK(series, InvalidArgumentError, "ParallelInference: a mask ", mask.description(),
               " was given, but the model's examples ", example, " are not time series; give none");
    GYRE_CHECK(mask.shape() == Shape({features.shape().dim(0), features.shape().dim(1)}) &&
                   mask.dtype() == DType::f32 && mask.device() == features.device(),
               InvalidArgumentError, "ParallelInference: the mask ", mask.description(),
               " must be f32 [n, T] on the features' device for features ", features.description());
  }
  Request request;
  const DeviceGuard on_features(features.device());  // its current stream, not device 0's
  request.features = features.is_detached() ? features : features.detach();
  if (mask.defined()) request.mask = mask.is_detached() ? mask : mask.detach();
  request.arrival = Clock::now();
  if (features.device().is_accelerator()) {  // the caller's kernels may still be writing it
    request.ready = event_pool(features.device()).acquire();
    request.ready->record(Stream::current(features.device()));
  }
  PendingOutput pending;
  pending.completion_ = std::make_shared<PendingOutput::Completion>();
  request.result = pending.completion_;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    GYRE_CHECK(!stopping_, InvalidArgumentError, "ParallelInference is shutting down");
    if (queue_.size() >= config_.queue_limit) {
      ++statistics_.rejected;
      throw OverloadedError(strcat("ParallelInference: ", queue_.size(),
                                   " requests are waiting (queue_limit ", config_.queue_limit,
                                   "); retry later"));
    }
    queue_.push_back(std::move(request));
  }
  changed_.notify_one();
  return pending;
}

EventPool& ParallelInference::event_pool(Device device) {
  std::lock_guard<std::mutex> lock(event_pools_mutex_);
  if (event_pools_.empty()) event_pools_.resize(kMaxDevices);
  std::unique_ptr<EventPool>& pool = event_pools_[device_slot(device)];
  if (pool == nullptr) pool = std::make_unique<EventPool>(device);
  return *pool;
}

Tensor ParallelInference::output(const Tensor& features, const Tensor& mask) {
  return submit(features, mask).get();
}

void ParallelInference::update_model(const nn::Network& model) {
  GYRE_CHECK(model.parameter_count() == replicas_.front()->parameter_count(), InvalidArgumentError,
             "update_model: the new model has ", model.parameter_count(),
             " parameters, the served one ", replicas_.front()->parameter_count(),
             "; it must have the same architecture");
  std::unique_lock<std::shared_mutex> exclusive(weights_);  // between batches
  {
    const DeviceGuard on_model(model.device());  // its parameters are complete before copying
    Stream::current(model.device()).synchronize();
  }
  for (auto& replica : replicas_) {
    const DeviceGuard on_replica(replica->device());  // the copy runs on the replica's stream
    copy_tensor(model.parameters(), replica->parameters());
    if (model.state().numel() > 0) copy_tensor(model.state(), replica->state());
    Stream::current(replica->device()).synchronize();
  }
}

InferenceStatistics ParallelInference::statistics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  InferenceStatistics copy = statistics_;
  copy.queue_depth = queue_.size();
  std::lock_guard<std::mutex> pools(event_pools_mutex_);
  for (const auto& pool : event_pools_) {
    if (pool != nullptr) copy.handoff_events += pool->created();
  }
  return copy;
}

// Same example shape: checked at submit, except a time series' length, which padding evens out.
bool ParallelInference::can_join(const Request& first, const Request& next,
                                 std::int64_t examples) const {
  return next.features.shape().dim(0) + examples <= config_.batch_limit &&
         next.features.device() == first.features.device();
}

void ParallelInference::run_worker(int index) {
  const Device device = replicas_[static_cast<std::size_t>(index)]->device();
  const DeviceGuard on_replica_device(device);
  // A stream of its own: workers sharing a device would otherwise serialize on its legacy
  // stream, each batch waiting for the others' work. Requests reach it through events.
  const OwnedStream stream(device);
  const StreamGuard on_own_stream(stream);
  std::vector<Request> batch;
  batch.reserve(static_cast<std::size_t>(config_.batch_limit));
  try {  // a full batch first: this thread's workspaces learn their size before any request
    nn::Network& replica = *replicas_[static_cast<std::size_t>(index)];
    const Shape& example = replica.config().input_shape();
    std::int64_t dims[Shape::kMaxRank] = {config_.batch_limit};
    for (int d = 0; d < example.rank(); ++d) dims[d + 1] = example.dim(d);
    const Shape shape(dims, example.rank() + 1);
    Tensor zeros = Tensor::empty_detached(shape, DType::f32, Device::cpu());
    std::fill(zeros.data<float>(), zeros.data<float>() + zeros.numel(), 0.0f);
    if (replica.device().is_cpu()) {
      (void)replica.output(zeros);
    } else {
      const Tensor on_device = Tensor::empty_detached(shape, DType::f32, replica.device());
      copy_tensor(zeros, on_device);
      (void)replica.output(on_device);
    }
  } catch (const std::exception& error) {
    GYRE_LOG(parallel, warn, "ParallelInference worker ", index, ": the warm-up batch failed (",
             error.what(), "); serving without it");
  }
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, and every request answered
    batch.clear();
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
    std::int64_t examples = batch.front().features.shape().dim(0);
    if (config_.mode == InferenceMode::BATCHED) {
      const Clock::time_point deadline = batch.front().arrival + config_.max_queue_delay;
      while (examples < config_.batch_limit) {
        if (!queue_.empty()) {
          if (!can_join(batch.front(), queue_.front(), examples)) break;
          examples += queue_.front().features.shape().dim(0);
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
          continue;
        }
        if (stopping_ || Clock::now() >= deadline) break;
        changed_.wait_until(lock, deadline, [this] { return !queue_.empty() || stopping_; });
      }
    }
    lock.unlock();
    serve_batch(index, batch);
    lock.lock();
  }
}

void ParallelInference::serve_batch(int index, std::vector<Request>& batch) {
  const Clock::time_point start = Clock::now();
  nn::Network& replica = *replicas_[static_cast<std::size_t>(index)];
  const Device device = replica.device();
  std::int64_t examples = 0;
  for (const Request& request : batch) examples += request.features.shape().dim(0);
  std::string error;
  bool failed = false;
  Tensor output;
  try {
    if (config_.before_batch) config_.before_batch(examples);
    std::shared_lock<std::shared_mutex> shared(weights_);
    for (Request& request : batch) {
      if (!request.ready) continue;
      request.ready->wait(Stream::current(device));  // no host wait
      const Device from = request.ready->device();
      event_pool(from).release(std::move(request.ready));  // the wait is bound: reusable
    }
    const Tensor& first = batch.front().features;
    if (batch.size() == 1 && first.device() == device) {
      output = replica.output(first, batch.front().mask);
    } else if (first.shape().rank() == 3) {  // time series
      output = serve_sequences(replica, batch, examples);
    } else {  // merged (and moved to the replica's device) in this worker's input workspace
      // Sized for a full batch up front; a larger one (one big request moved across
      // devices) reallocates instead of spilling every time.
      WorkspaceConfig config;
      config.initial_size =
          static_cast<std::size_t>(config_.batch_limit * (first.numel() / first.shape().dim(0))) *
              sizeof(float) +
          config.alignment;
      config.spill = SpillPolicy::REALLOCATE;
      WorkspaceScope input_scope =
          WorkspaceManager::for_device(device).activate(kBatchInput, config);
      std::int64_t dims[Shape::kMaxRank];
      for (int d = 0; d < first.shape().rank(); ++d) dims[d] = first.shape().dim(d);
      dims[0] = examples;
      const Tensor input = Tensor::empty(Shape(dims, first.shape().rank()), DType::f32, device);
      std::int64_t offset = 0;
      for (const Request& request : batch) {
        const std::int64_t rows = request.features.shape().dim(0);
        copy_tensor(request.features, input.slice(0, offset, offset + rows));
        offset += rows;
      }
      output = replica.output(input);
    }
    // A caller may read its answer on any stream or on the host: it is complete when handed.
    if (device.is_accelerator()) Stream::current(device).synchronize();
    const Device home = replicas_.front()->device();
    if (device != home) {  // answers are on the model's device, whichever replica served
      const DeviceGuard on_home(home);
      const Tensor moved = Tensor::empty_detached(output.shape(), DType::f32, home);
      copy_tensor(output, moved);
      Stream::current(home).synchronize();
      output = moved;
    }
  } catch (const std::exception& exception) {
    failed = true;
    error = exception.what();
  } catch (...) {
    failed = true;
    error = "an exception that is not a std::exception";
  }
  const Clock::time_point end = Clock::now();
  {  // counted before any caller hears back, so a caller sees its own request counted
    std::lock_guard<std::mutex> lock(mutex_);
    record(batch, examples, failed, start, end);
  }
  std::int64_t offset = 0;  // each caller gets its rows (views of one detached result) or the error
  for (Request& request : batch) {
    const std::int64_t rows = request.features.shape().dim(0);
    PendingOutput::Completion& completion = *request.result;
    Tensor answer;
    std::string own_error = error;
    if (!failed) {
      try {
        answer =
            answer_of(output, offset, rows,
                      request.features.shape().rank() == 3 ? request.features.shape().dim(1) : 0);
      } catch (const std::exception& exception) {
        own_error = exception.what();
      }
    }
    {
      std::lock_guard<std::mutex> lock(completion.mutex);
      if (!answer.defined()) {  // exactly this batch's callers hear of it
        completion.failed = true;
        completion.error = own_error;
      } else {
        completion.value = answer;
      }
      completion.done = true;
    }
    completion.done_changed.notify_all();
    offset += rows;
  }
}

Tensor ParallelInference::serve_sequences(nn::Network& replica, const std::vector<Request>& batch,
                                          std::int64_t examples) {
  const Device device = replica.device();
  const std::int64_t channels = batch.front().features.shape().dim(2);
  std::int64_t longest = 0;
  bool masked = false;  // a mask, or lengths that differ: padding and a mask are needed
  for (const Request& request : batch) {
    const std::int64_t steps = request.features.shape().dim(1);
    masked |= request.mask.defined() || (longest != 0 && steps != longest);
    longest = std::max(longest, steps);
  }
  WorkspaceConfig config;
  config.spill = SpillPolicy::REALLOCATE;  // grows for a longer batch, then stays
  WorkspaceScope input_scope =
      WorkspaceManager::for_device(device).activate(kSequenceInput, config);
  const Tensor input = Tensor::empty({examples, longest, channels}, DType::f32, device);
  const Tensor mask = Tensor::empty({examples, longest}, DType::f32, device);
  if (masked) {
    kernels::fill(input, 0.0);
    kernels::fill(mask, 0.0);
  }
  // Example by example: each is contiguous in the request and in the padded batch.
  const Tensor flat_input = input.reshape({examples * longest * channels});
  const Tensor flat_mask = mask.reshape({examples * longest});
  std::int64_t row = 0;
  for (const Request& request : batch) {
    const std::int64_t rows = request.features.shape().dim(0);
    const std::int64_t steps = request.features.shape().dim(1);
    const Tensor features = request.features.reshape({rows * steps * channels});
    for (std::int64_t r = 0; r < rows; ++r, ++row) {
      copy_tensor(
          features.slice(0, r * steps * channels, (r + 1) * steps * channels),
          flat_input.slice(0, row * longest * channels, (row * longest + steps) * channels));
      if (!masked) continue;
      const Tensor mask_row = flat_mask.slice(0, row * longest, row * longest + steps);
      if (request.mask.defined())
        copy_tensor(request.mask.reshape({rows * steps}).slice(0, r * steps, (r + 1) * steps),
                    mask_row);
      else
        kernels::fill(mask_row, 1.0);
    }
  }
  return masked ? replica.output(input, mask) : replica.output(input);
}

// A per-step output [N, T, K] of a padded batch is cut back to the request's own steps (a
// copy, example by example, on the model's device); anything else is a view of its rows.
Tensor ParallelInference::answer_of(const Tensor& output, std::int64_t offset, std::int64_t rows,
                                    std::int64_t steps) {
  const Tensor mine = output.slice(0, offset, offset + rows);
  if (output.shape().rank() != 3 || steps == 0 || steps == output.shape().dim(1)) return mine;
  const std::int64_t longest = output.shape().dim(1), width = output.shape().dim(2);
  const DeviceGuard on_output(output.device());
  const Tensor cut = Tensor::empty_detached({rows, steps, width}, DType::f32, output.device());
  const Tensor from = mine.reshape({rows * longest * width});
  const Tensor to = cut.reshape({rows * steps * width});
  for (std::int64_t r = 0; r < rows; ++r)
    copy_tensor(from.slice(0, r * longest * width, (r * longest + steps) * width),
                to.slice(0, r * steps * width, (r + 1) * steps * width));
  Stream::current(output.device()).synchronize();
  return cut;
}

void ParallelInference::record(const std::vector<Request>& batch, std::int64_t examples,
                               bool failed, std::chrono::steady_clock::time_point start,
                               std::chrono::steady_clock::time_point end) {
  statistics_.requests += batch.size();
  if (failed) statistics_.errors += batch.size();
  ++statistics_.batches;
  statistics_.examples += static_cast<std::uint64_t>(examples);
  for (const Request& request : batch)
    statistics_.queue_seconds += seconds_between(request.arrival, start);
  statistics_.compute_seconds += seconds_between(start, end);
  std::size_t bucket = 0;
  while ((std::int64_t{1} << bucket) < examples &&
         bucket + 1 < statistics_.batch_size_buckets.size())
    ++bucket;
  ++statistics_.batch_size_buckets[bucket];
}

}  // namespace gyre::parallel
