#pragma once
// InferenceServer: `gyre serve`'s HTTP layer (cpp-httplib) over ParallelInference.
//   POST /v1/predict  JSON {"inputs": [[...], ...]} -> {"outputs": [[...], ...]}, or a raw
//                     float32 body (application/octet-stream, n × example floats) -> raw
//                     float32 outputs with an X-Gyre-Shape header ("n,classes")
//   GET  /healthz     200 "ok" while serving
//   GET  /metrics     Prometheus text: requests, errors, queue depth, batch sizes, latency
//                     histogram, workspace bytes
// Malformed input gets 400 with the reason, a full queue 503 (Retry-After), a body over the
// limit 413. stop() lets in-flight requests finish.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "parallel/parallel_inference.h"

namespace httplib {
class Server;
}

namespace gyre::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback unless asked otherwise
  int port = 8080;                 // 0: any free port (start() returns it)
  std::size_t max_body_bytes = 16u << 20;
  /// HTTP threads: a kept-alive client connection holds one while it is busy, so this
  /// bounds the clients served at once (the others wait for a free thread).
  int http_threads = 64;
};

class InferenceServer {
 public:
  /// `example` is the shape of one input example (the network's config().input_shape()).
  InferenceServer(parallel::ParallelInference& inference, Shape example, ServerOptions options);
  ~InferenceServer();
  InferenceServer(const InferenceServer&) = delete;
  InferenceServer& operator=(const InferenceServer&) = delete;

  /// Binds and serves on a thread of its own; returns the port. Throws Error if it cannot bind.
  int start();
  /// Stops accepting, answers the requests in flight, and returns once the server is down.
  void stop();
  std::string metrics() const;

  /// Latency histogram bucket bounds in seconds (the last is +Inf).
  static constexpr std::array<double, 11> kLatencyBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1.0};

 private:
  void route();
  void observe_latency(double seconds);

  parallel::ParallelInference& inference_;
  Shape example_;
  std::int64_t example_floats_;
  ServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<std::uint64_t> http_requests_{0}, bad_requests_{0}, overloaded_{0}, failures_{0};
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size() + 1> latency_counts_{};
  std::atomic<std::uint64_t> latency_micros_total_{0};
};

}  // namespace gyre::serve
