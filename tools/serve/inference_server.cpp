#include "tools/serve/inference_server.h"

#include <httplib.h>

#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/tensor_copy.h"
#include "tools/serve/predict_body.h"
#include "workspace/workspace_registry.h"

namespace gyre::serve {
namespace {
using Clock = std::chrono::steady_clock;

void reply_error(httplib::Response& response, int status, const std::string& message) {
  response.status = status;
  response.set_content(nlohmann::json{{"error", message}}.dump(), "application/json");
}
}  // namespace

InferenceServer::InferenceServer(parallel::ParallelInference& inference, Shape example,
                                 ServerOptions options)
    : inference_(inference),
      example_(example),
      example_floats_(example.numel()),
      options_(std::move(options)),
      server_(std::make_unique<httplib::Server>()) {
  GYRE_CHECK(example_floats_ > 0, InvalidArgumentError, "serve: the example shape ", example,
             " is empty");
  route();
}

InferenceServer::~InferenceServer() {
  stop();
}

void InferenceServer::observe_latency(double seconds) {
  std::size_t bucket = 0;
  while (bucket < kLatencyBuckets.size() && seconds > kLatencyBuckets[bucket]) ++bucket;
  ++latency_counts_[bucket];
  latency_micros_total_ += static_cast<std::uint64_t>(seconds * 1e6);
}

void InferenceServer::route() {
  server_->set_payload_max_length(options_.max_body_bytes);  // larger bodies: 413
  // A kept-alive connection holds one HTTP thread until it goes idle; closing busy ones
  // after a few requests (httplib's default, 5) races with the client's next request.
  server_->set_keep_alive_max_count(1u << 30);
  server_->set_tcp_nodelay(true);  // small answers: no 40 ms wait for a delayed ACK
  server_->new_task_queue = [threads = options_.http_threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics(), "text/plain; version=0.0.4");
  });
  server_->Post("/v1/predict", [this](const httplib::Request& request,
                                      httplib::Response& response) {
    const auto start = Clock::now();
    ++http_requests_;
    try {
      const bool binary = request.get_header_value("Content-Type") == "application/octet-stream";
      const Tensor input = parse_predict_body(request.body, binary, example_);
      Tensor output = inference_.output(input);
      if (output.device().is_accelerator()) {  // answers are on the model's device
        const DeviceGuard on_device(output.device());
        const Tensor host = Tensor::empty_detached(output.shape(), DType::f32, Device::cpu());
        copy_tensor(output, host);
        Stream::current(output.device()).synchronize();
        output = host;
      }
      const std::int64_t n = output.shape().dim(0), width = output.shape().dim(1);
      if (binary) {
        response.set_header("X-Gyre-Shape", strcat(n, ",", width));
        response.set_content(
            std::string(static_cast<const char*>(output.data_ptr()), output.nbytes()),
            "application/octet-stream");
      } else {
        nlohmann::json outputs = nlohmann::json::array();
        for (std::int64_t r = 0; r < n; ++r)
          outputs.push_back(std::vector<float>(output.data<float>() + r * width,
                                               output.data<float>() + (r + 1) * width));
        response.set_content(nlohmann::json{{"outputs", outputs}}.dump(), "application/json");
      }
    } catch (const parallel::OverloadedError& error) {
      ++overloaded_;
      response.set_header("Retry-After", "1");
      reply_error(response, 503, error.what());
    } catch (const InvalidArgumentError& error) {
      ++bad_requests_;
      reply_error(response, 400, error.what());
    } catch (const std::exception& error) {
      ++failures_;
      reply_error(response, 500, error.what());
    }
    observe_latency(std::chrono::duration<double>(Clock::now() - start).count());
  });
}

int InferenceServer::start() {
  const int port = options_.port == 0
                       ? server_->bind_to_any_port(options_.host)
                       : (server_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  GYRE_CHECK(port > 0, InvalidArgumentError, "serve: cannot listen on ", options_.host, ":",
             options_.port, " (in use, or not an address of this machine); choose --port");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return port;
}

void InferenceServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();  // closes the listening socket; the pool finishes what it holds
  thread_.join();
}

std::string InferenceServer::metrics() const {
  const parallel::InferenceStatistics statistics = inference_.statistics();
  std::ostringstream out;
  auto counter = [&](const char* name, const char* help, std::uint64_t value) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n"
        << name << " " << value << "\n";
  };
  counter("gyre_http_requests_total", "Prediction requests received over HTTP.",
          http_requests_.load());
  out << "# HELP gyre_http_errors_total Prediction requests answered with an error, by kind.\n"
      << "# TYPE gyre_http_errors_total counter\n"
      << "gyre_http_errors_total{kind=\"bad_request\"} " << bad_requests_.load() << "\n"
      << "gyre_http_errors_total{kind=\"overloaded\"} " << overloaded_.load() << "\n"
      << "gyre_http_errors_total{kind=\"internal\"} " << failures_.load() << "\n";
  counter("gyre_inference_requests_total", "Requests answered by ParallelInference.",
          statistics.requests);
  counter("gyre_inference_batches_total", "Batches run.", statistics.batches);
  counter("gyre_inference_examples_total", "Examples run.", statistics.examples);
  out << "# HELP gyre_inference_queue_depth Requests waiting for a batch.\n"
      << "# TYPE gyre_inference_queue_depth gauge\n"
      << "gyre_inference_queue_depth " << statistics.queue_depth << "\n";
  out << "# HELP gyre_inference_batch_size Examples per batch.\n"
      << "# TYPE gyre_inference_batch_size histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < statistics.batch_size_buckets.size(); ++i) {
    cumulative += statistics.batch_size_buckets[i];
    out << "gyre_inference_batch_size_bucket{le=\"" << (1u << i) << "\"} " << cumulative << "\n";
  }
  out << "gyre_inference_batch_size_bucket{le=\"+Inf\"} " << cumulative << "\n"
      << "gyre_inference_batch_size_sum " << statistics.examples << "\n"
      << "gyre_inference_batch_size_count " << statistics.batches << "\n";
  out << "# HELP gyre_http_request_seconds Prediction latency inside the server.\n"
      << "# TYPE gyre_http_request_seconds histogram\n";
  cumulative = 0;
  for (std::size_t i = 0; i < latency_counts_.size(); ++i) {
    cumulative += latency_counts_[i].load();
    out << "gyre_http_request_seconds_bucket{le=\"";
    if (i < kLatencyBuckets.size())
      out << kLatencyBuckets[i];
    else
      out << "+Inf";
    out << "\"} " << cumulative << "\n";
  }
  out << "gyre_http_request_seconds_sum " << static_cast<double>(latency_micros_total_.load()) / 1e6
      << "\n"
      << "gyre_http_request_seconds_count " << cumulative << "\n";
  out << "# HELP gyre_workspace_bytes Workspace memory reserved on the host, all threads.\n"
      << "# TYPE gyre_workspace_bytes gauge\n"
      << "gyre_workspace_bytes " << WorkspaceRegistry::instance().reserved_bytes(Device::cpu())
      << "\n";
  return out.str();
}

}  // namespace gyre::serve
