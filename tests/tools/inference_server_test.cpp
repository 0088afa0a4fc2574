// gyre serve's HTTP layer: each endpoint, malformed and oversized bodies, 503 at the queue
// limit, a stop that finishes the requests in flight; and a bounded soak with many clients
// (flat memory, no lost or duplicated answer). Threaded: also run under ThreadSanitizer.
#include "tools/serve/inference_server.h"

#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/resident_memory.h"
#include "workspace/workspace_registry.h"

using namespace gyre;
using namespace gyre::nn;
using namespace gyre::parallel;
using Catch::Matchers::Contains;

namespace {
NetworkConfig small_mlp() {
  return NetworkBuilder().input({6}).dense(8).output(3).seed(4).build();
}

std::string float_body(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

struct Served {
  Network model{small_mlp()};
  std::unique_ptr<ParallelInference> inference;
  std::unique_ptr<serve::InferenceServer> server;
  int port = 0;
  explicit Served(ParallelInference::Builder builder, serve::ServerOptions options = {}) {
    inference = builder.build();
    options.port = 0;
    server =
        std::make_unique<serve::InferenceServer>(*inference, model.config().input_shape(), options);
    port = server->start();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(std::chrono::seconds(20));
    c.set_keep_alive(true);  // one connection per client, as load balancers and SDKs do
    return c;
  }
};

}  // namespace

TEST_CASE("the predict endpoint answers JSON and float32 bodies as the network does",
          "[serve][threads]") {
  Network model(small_mlp());
  Served served(ParallelInference::Builder(model).workers(1));
  httplib::Client client = served.client();
  const Tensor input = testing::random_tensor({2, 6}, 3);
  const Tensor expected = model.output(input);

  nlohmann::json body = {{"inputs",
                          {std::vector<float>(input.data<float>(), input.data<float>() + 6),
                           std::vector<float>(input.data<float>() + 6, input.data<float>() + 12)}}};
  auto json_reply = client.Post("/v1/predict", body.dump(), "application/json");
  REQUIRE(json_reply);
  CHECK(json_reply->status == 200);
  const nlohmann::json outputs = nlohmann::json::parse(json_reply->body)["outputs"];
  REQUIRE(outputs.size() == 2);
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 3; ++c)
      CHECK(outputs[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)].get<float>() ==
            expected.data<float>()[r * 3 + c]);
  }
  auto binary_reply = client.Post(
      "/v1/predict", float_body(std::vector<float>(input.data<float>(), input.data<float>() + 12)),
      "application/octet-stream");
  REQUIRE(binary_reply);
  CHECK(binary_reply->status == 200);
  CHECK(binary_reply->get_header_value("X-Gyre-Shape") == "2,3");
  REQUIRE(binary_reply->body.size() == 6 * sizeof(float));
  CHECK(std::memcmp(binary_reply->body.data(), expected.data_ptr(), 6 * sizeof(float)) == 0);

  auto health = client.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK_THAT(metrics->body, Contains("gyre_http_requests_total 2") &&
                                Contains("gyre_inference_requests_total 2") &&
                                Contains("gyre_http_request_seconds_bucket{le=\"+Inf\"} 2") &&
                                Contains("gyre_inference_batch_size_bucket") &&
                                Contains("gyre_inference_queue_depth 0") &&
                                Contains("gyre_workspace_bytes"));
}

TEST_CASE("malformed and oversized requests get 400 and 413 with a reason", "[serve][threads]") {
  Network model(small_mlp());
  serve::ServerOptions options;
  options.max_body_bytes = 4096;
  Served served(ParallelInference::Builder(model).workers(1), options);
  httplib::Client client = served.client();
  auto expect = [&](const std::string& body, const char* type, int status, const char* reason) {
    auto reply = client.Post("/v1/predict", body, type);
    REQUIRE(reply);
    CHECK(reply->status == status);
    if (reason != nullptr) CHECK_THAT(reply->body, Contains(reason));
  };
  expect("{not json", "application/json", 400, "not JSON");
  expect("[1, 2]", "application/json", 400, "a non-empty array of examples");
  expect(R"({"inputs": []})", "application/json", 400, "non-empty");
  expect(R"({"inputs": [[1, 2, 3]]})", "application/json", 400, "inputs[0] must be an array of 6");
  expect(R"({"inputs": [[1, 2, 3, 4, 5, "six"]]})", "application/json", 400, "inputs[0][5]");
  expect(std::string(10, 'x'), "application/octet-stream", 400, "whole examples of 6 floats");
  expect(std::string(8000, '1'), "application/json", 413, nullptr);
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK_THAT(metrics->body, Contains("gyre_http_errors_total{kind=\"bad_request\"} 6"));
  auto still = client.Post("/v1/predict", float_body(std::vector<float>(6, 0.5f)),
                           "application/octet-stream");
  REQUIRE(still);
  CHECK(still->status == 200);  // the server is unharmed
}

TEST_CASE("a full queue answers 503 with Retry-After, and stop() finishes requests in flight",
          "[serve][threads]") {
  Network model(small_mlp());
  std::mutex mutex;
  std::condition_variable changed;
  bool open = false;
  int held = 0;
  Served served(ParallelInference::Builder(model)
                    .workers(1)
                    .inference_mode(InferenceMode::SEQUENTIAL)
                    .queue_limit(2)
                    .before_batch([&](std::int64_t) {
                      std::unique_lock<std::mutex> lock(mutex);
                      ++held;
                      changed.notify_all();
                      changed.wait(lock, [&] { return open; });
                    }));
  const std::string body = float_body(std::vector<float>(6, 0.25f));
  std::vector<int> statuses(3, 0);
  std::vector<std::thread> clients;
  auto send = [&](int i) {
    httplib::Client client = served.client();
    auto reply = client.Post("/v1/predict", body, "application/octet-stream");
    statuses[static_cast<std::size_t>(i)] = reply ? reply->status : -1;
  };
  clients.emplace_back(send, 0);
  {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return held == 1; });  // the worker holds request 0
  }
  clients.emplace_back(send, 1);
  clients.emplace_back(send, 2);
  while (served.inference->statistics().queue_depth < 2) std::this_thread::yield();
  httplib::Client client = served.client();
  auto refused = client.Post("/v1/predict", body, "application/octet-stream");
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(refused->get_header_value("Retry-After") == "1");
  CHECK_THAT(refused->body, Contains("retry later"));
  // Stop while three requests are in flight: each still gets its answer.
  std::thread stopper([&] { served.server->stop(); });
  // Once stop() has closed the listening socket, new connections are refused.
  REQUIRE(testing::eventually([&] { return !served.client().Get("/healthz"); }));
  {
    std::lock_guard<std::mutex> lock(mutex);
    open = true;
    changed.notify_all();
  }
  stopper.join();
  for (std::thread& thread : clients) thread.join();
  CHECK(statuses == std::vector<int>{200, 200, 200});
  auto after = served.client().Get("/healthz");
  CHECK_FALSE(after);  // no longer listening
}

TEST_CASE("soak: many clients for a bounded time, flat memory, every answer once and right",
          "[serve][soak]") {
  const char* configured = std::getenv("GYRE_SOAK_SECONDS");
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  // Sanitizers look for races and misuse, not leaks by RSS: their shadow memory grows.
  const double seconds = configured != nullptr ? std::atof(configured) : 5.0;
  const bool check_rss = false;
#else
  const double seconds = configured != nullptr ? std::atof(configured) : 20.0;
  const bool check_rss = true;
#endif
  Network model(small_mlp());
  model.set_batch_invariant(true);  // an answer's bits do not depend on its batch
  Served served(ParallelInference::Builder(model).workers(2).batch_limit(16).batch_invariant(true));
  // 64 distinct inputs and their answers.
  const Tensor inputs = testing::random_tensor({64, 6}, 8);
  const Tensor answers = model.output(inputs);
  const int clients = 32;
  std::atomic<std::uint64_t> sent{0}, right{0}, wrong{0}, failed{0};
  std::atomic<bool> stop{false};
  std::mutex connecting;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client = served.client();
      {  // connect one client at a time: httplib listens with a backlog of 5
        std::lock_guard<std::mutex> lock(connecting);
        auto hello = client.Get("/healthz");
        if (!hello) ++failed;
      }
      for (std::uint64_t i = 0; !stop.load(); ++i) {
        const auto row = static_cast<std::int64_t>((c * 7 + i) % 64);
        const std::string body(reinterpret_cast<const char*>(inputs.data<float>() + row * 6),
                               6 * sizeof(float));
        ++sent;
        auto reply = client.Post("/v1/predict", body, "application/octet-stream");
        if (!reply || reply->status != 200) {
          ++failed;
          continue;
        }
        if (reply->body.size() == 3 * sizeof(float) &&
            std::memcmp(reply->body.data(), answers.data<float>() + row * 3, 3 * sizeof(float)) ==
                0)
          ++right;
        else
          ++wrong;
      }
    });
  }
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  while (elapsed() < seconds * 0.25) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::size_t rss_warm = testing::resident_kib();
  const std::size_t workspace_warm = WorkspaceRegistry::instance().reserved_bytes(Device::cpu());
  while (elapsed() < seconds) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::size_t rss_end = testing::resident_kib();
  const std::size_t workspace_end = WorkspaceRegistry::instance().reserved_bytes(Device::cpu());
  stop = true;
  for (std::thread& thread : threads) thread.join();
  INFO("sent " << sent << ", right " << right << ", wrong " << wrong << ", failed " << failed
               << ", RSS " << rss_warm << " -> " << rss_end << " KiB");
  CHECK(sent.load() > 1000);
  CHECK(wrong.load() == 0);
  CHECK(failed.load() == 0);
  CHECK(right.load() == sent.load());                             // none lost
  CHECK(served.inference->statistics().requests == sent.load());  // none duplicated
  CHECK(workspace_end == workspace_warm);
  if (check_rss) CHECK(rss_end <= rss_warm + 2048);  // flat after warm-up (2 MiB of slack)
}
