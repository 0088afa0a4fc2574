#pragma once
// Training listeners (DL4J's ScoreIterationListener and PerformanceListener).
#include <chrono>
#include <cstdint>

#include "nn/network.h"

namespace gyre::nn {

/// Logs the loss every `frequency` iterations (at info level, logger gyre.nn).
class ScoreListener final : public TrainingListener {
 public:
  explicit ScoreListener(std::int64_t frequency);
  void iteration_done(Network& network, std::int64_t iteration, int epoch,
                      std::int64_t examples) override;
  double last_score() const { return last_score_; }
  std::int64_t reports() const { return reports_; }

 private:
  std::int64_t frequency_;
  double last_score_ = 0.0;
  std::int64_t reports_ = 0;
};

/// Measures throughput over the iterations since the last report (every `frequency`).
class ThroughputListener final : public TrainingListener {
 public:
  explicit ThroughputListener(std::int64_t frequency);
  void iteration_done(Network& network, std::int64_t iteration, int epoch,
                      std::int64_t examples) override;
  /// Examples per second over the last reporting window (0 before the first report).
  double samples_per_second() const { return samples_per_second_; }
  double iterations_per_second() const { return iterations_per_second_; }

 private:
  std::int64_t frequency_;
  std::int64_t examples_ = 0, iterations_ = 0;
  std::chrono::steady_clock::time_point window_start_ = std::chrono::steady_clock::now();
  double samples_per_second_ = 0.0, iterations_per_second_ = 0.0;
};

}  // namespace gyre::nn
