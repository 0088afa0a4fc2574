#include "nn/listeners.h"

#include "runtime/error.h"
#include "runtime/log.h"

namespace gyre::nn {

ScoreListener::ScoreListener(std::int64_t frequency) : frequency_(frequency) {
  GYRE_CHECK(frequency > 0, InvalidArgumentError, "ScoreListener: frequency ", frequency,
             " must be > 0");
}

void ScoreListener::iteration_done(Network& network, std::int64_t iteration, int epoch,
                                   std::int64_t) {
  if (iteration % frequency_ != 0) return;
  last_score_ = network.score();  // reads the loss back: only every `frequency` iterations
  ++reports_;
  GYRE_LOG(nn, info, "epoch ", epoch + 1, ", iteration ", iteration, ": loss ", last_score_);
}

ThroughputListener::ThroughputListener(std::int64_t frequency) : frequency_(frequency) {
  GYRE_CHECK(frequency > 0, InvalidArgumentError, "ThroughputListener: frequency ", frequency,
             " must be > 0");
}

void ThroughputListener::iteration_done(Network&, std::int64_t iteration, int epoch,
                                        std::int64_t examples) {
  examples_ += examples;
  ++iterations_;
  if (iteration % frequency_ != 0) return;
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - window_start_).count();
  if (seconds > 0) {
    samples_per_second_ = static_cast<double>(examples_) / seconds;
    iterations_per_second_ = static_cast<double>(iterations_) / seconds;
  }
  GYRE_LOG(nn, info, "epoch ", epoch + 1, ", iteration ", iteration, ": ", samples_per_second_,
           " samples/s, ", iterations_per_second_, " iterations/s");
  examples_ = iterations_ = 0;
  window_start_ = now;
}

}  // namespace gyre::nn
