#include "tools/bench/model_worker.h"

#include <cblas.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "nn/evaluation.h"
#include "nn/fashion_mnist_split.h"
#include "nn/network.h"
#include "tools/bench/batch_window.h"

namespace gyre::bench {

std::string run_gyre_model_worker(const ModelWorkerOptions& options) {
  using Clock = std::chrono::steady_clock;
  openblas_set_num_threads(options.threads);
  const nn::NetworkConfig config = nn::NetworkConfig::from_file(options.config);
  nn::FashionMnistSplit train(config, true, options.batch, Device::cpu(), options.data);
  nn::Network network(config);
  nn::DataSetIterator& source = train.iterator();
  BatchWindow warmup(source, options.warmup);
  network.fit(warmup, 1);
  (void)network.score();
  // Through fit(), the path users take (each batch made inside its iteration, prefetched).
  const std::int64_t iterations_before = network.iteration();
  double seconds = 0.0;
  std::int64_t examples = 0;
  nlohmann::json accuracy;  // null unless whole epochs were trained
  if (options.epochs == 0) {
    BatchWindow timed(source, options.steps);
    const auto start = Clock::now();
    network.fit(timed, 1);
    (void)network.score();  // waits for the work to finish
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
    examples = (network.iteration() - iterations_before) * options.batch;
  } else {
    // Fresh parameters: the accuracy is that of `epochs` epochs, as PyTorch's side reports.
    nn::Network fresh(config);
    source.reset();
    const auto start = Clock::now();
    fresh.fit(source, options.epochs);
    (void)fresh.score();
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
    examples = train.examples() * options.epochs;
    nn::FashionMnistSplit test(config, false, 1000, Device::cpu(), options.data);
    nn::Evaluation evaluation(10);
    fresh.evaluate(test.iterator(), {&evaluation});
    accuracy = evaluation.accuracy();
  }
  const nlohmann::json result = {{"framework", "gyre"},
                                 {"workload", options.workload},
                                 {"threads", options.threads},
                                 {"batch", options.batch},
                                 {"samples_per_second", static_cast<double>(examples) / seconds},
                                 {"examples", examples},
                                 {"seconds", seconds},
                                 {"test_accuracy", accuracy}};
  return result.dump();
}

}  // namespace gyre::bench
