#include "tools/bench/prefetch_bench.h"

#include <cblas.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "nn/async_iterator.h"
#include "nn/fashion_mnist.h"
#include "nn/in_memory_iterator.h"
#include "nn/network.h"

namespace gyre::bench {
namespace {
using Clock = std::chrono::steady_clock;

double microseconds(Clock::duration duration) {
  return std::chrono::duration<double, std::micro>(duration).count();
}

// Fashion-MNIST batches with extra CPU work per batch (a stand-in for decoding and
// augmentation): the preparation cost the benchmark dials.
class CostlySource final : public nn::DataSetIterator {
 public:
  CostlySource(nn::DataSetIterator& source, double extra_us) : source_(source), extra_(extra_us) {}
  bool has_next() override { return source_.has_next(); }
  nn::DataSet next() override {
    const auto until = Clock::now() + std::chrono::duration<double, std::micro>(extra_);
    nn::DataSet batch = source_.next();
    while (Clock::now() < until) {
    }
    return batch;
  }
  void reset() override { source_.reset(); }
  std::int64_t batch() const override { return source_.batch(); }
  std::int64_t total_examples() const override { return source_.total_examples(); }

 private:
  nn::DataSetIterator& source_;
  double extra_;
};

// Preparation time per batch: the source alone, on this thread.
double preparation_us(nn::DataSetIterator& source) {
  source.reset();
  std::int64_t batches = 0;
  const auto start = Clock::now();
  while (source.has_next()) {
    source.next();
    ++batches;
  }
  return microseconds(Clock::now() - start) / static_cast<double>(batches);
}

struct Measurement {
  double preparation_us, step_us, wait_per_batch_us, wait_share, producer_wait_per_batch_us;
};

Measurement measure(const nn::LabelledData& data, std::int64_t batch, double extra_us, int epochs) {
  nn::InMemoryIterator images(data.features, data.labels, batch, true, 7);
  CostlySource source(images, extra_us);
  const double preparation = preparation_us(source);
  // The step alone: the same network fed batches made beforehand.
  nn::Network network(nn::NetworkConfig::mlp());
  std::vector<nn::DataSet> ready;
  source.reset();
  for (int i = 0; i < 50 && source.has_next(); ++i) ready.push_back(source.next().detach());
  for (const nn::DataSet& b : ready) network.fit(b);  // warm-up: workspaces learn their sizes
  const auto step_start = Clock::now();
  for (const nn::DataSet& b : ready) network.fit(b);
  (void)network.score();
  const double step = microseconds(Clock::now() - step_start) / static_cast<double>(ready.size());
  // Through fit(): the prefetcher prepares the next batches while the step runs.
  network.fit(source, 1);
  const nn::AsyncIteratorStatistics before = network.prefetcher()->statistics();
  const std::int64_t iterations_before = network.iteration();
  const auto fit_start = Clock::now();
  network.fit(source, epochs);
  const double total_us = microseconds(Clock::now() - fit_start);
  const nn::AsyncIteratorStatistics after = network.prefetcher()->statistics();
  const auto batches = static_cast<double>(network.iteration() - iterations_before);
  const double wait = microseconds(after.consumer_wait - before.consumer_wait);
  return {preparation, step, wait / batches, wait / total_us,
          microseconds(after.producer_wait - before.producer_wait) / batches};
}
}  // namespace

void add_prefetch_benchmark(CLI::App& bench) {
  CLI::App* command = bench.add_subcommand(
      "prefetch", "Training through the prefetcher with data cheaper, then dearer, than a step");
  auto json_path = std::make_shared<std::string>();
  auto epochs = std::make_shared<int>(2);
  command->add_option("--json", *json_path, "Write the results as JSON to this file");
  command->add_option("--epochs", *epochs, "Timed epochs per case")->check(CLI::Range(1, 100));
  command->callback([=] {
    openblas_set_num_threads(1);  // one core trains, the other prepares
    const nn::LabelledData data =
        nn::load_fashion_mnist(true, nn::kFashionMnistDirectory, DType::u8);
    const std::int64_t batch = 128;
    // The plain step sets the scale: preparation at about half of it, then at about twice.
    const Measurement plain = measure(data, batch, 0.0, 1);
    nlohmann::json report = {{"model", "mlp 784-256-128-10, adam, fashion-mnist, batch 128"},
                             {"openblas_threads", 1},
                             {"prefetch", nn::NetworkConfig{}.prefetch}};
    std::cout << std::left << std::setw(8) << "case" << std::right << std::setw(14) << "prepare us"
              << std::setw(12) << "step us" << std::setw(14) << "wait us/batch" << std::setw(14)
              << "prepare-step" << std::setw(12) << "wait share"
              << "\n";
    for (const auto& [name, factor] : {std::pair{"cheap", 0.5}, std::pair{"dear", 2.0}}) {
      std::cerr << "bench prefetch: " << name << " data\n";
      const double extra = std::max(0.0, factor * plain.step_us - plain.preparation_us);
      const Measurement m = measure(data, batch, extra, *epochs);
      report[name] = {{"preparation_us", m.preparation_us},
                      {"step_us", m.step_us},
                      {"consumer_wait_per_batch_us", m.wait_per_batch_us},
                      {"preparation_minus_step_us", m.preparation_us - m.step_us},
                      {"consumer_wait_share_of_time", m.wait_share},
                      {"producer_wait_per_batch_us", m.producer_wait_per_batch_us}};
      std::cout << std::left << std::setw(8) << name << std::right << std::fixed
                << std::setprecision(1) << std::setw(14) << m.preparation_us << std::setw(12)
                << m.step_us << std::setw(14) << m.wait_per_batch_us << std::setw(14)
                << m.preparation_us - m.step_us << std::setw(11) << std::setprecision(2)
                << 100.0 * m.wait_share << "%\n";
    }
    std::cout << "\n" << report.dump(2) << "\n";
    if (!json_path->empty()) std::ofstream(*json_path) << report.dump(2) << "\n";
  });
}

}  // namespace gyre::bench
