#pragma once
// `gyre bench serve`: a bounded load generator (a fixed number of requests, loopback only)
// against ParallelInference serving the standard MLP, SEQUENTIAL then BATCHED, called in
// process and over HTTP (gyre serve's server): throughput, p50/p90/p95/p99 latency, mean
// batch size, and the server's split of queue and compute time.
namespace CLI {
class App;
}

namespace gyre::bench {

void add_serve_benchmark(CLI::App& bench);

}  // namespace gyre::bench
