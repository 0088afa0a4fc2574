// ParallelInference: batched answers equal sequential ones bit for bit, shapes are never
// merged wrongly, errors reach exactly their callers, back-pressure, and a weight swap under
// load that drops nothing. Threaded: also run under ThreadSanitizer in CI.
#include "parallel/parallel_inference.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::nn;
using namespace gyre::parallel;
using Catch::Matchers::Contains;

namespace {
NetworkConfig small_mlp(std::uint64_t seed) {
  return NetworkBuilder().input({20}).dense(16).dense(12).output(5).seed(seed).build();
}

std::vector<float> bits(const Tensor& tensor) {
  return std::vector<float>(tensor.data<float>(), tensor.data<float>() + tensor.numel());
}

// Requests of 1 to 4 rows, the same for every run.
std::vector<Tensor> requests(int count) {
  std::vector<Tensor> result;
  for (int i = 0; i < count; ++i)
    result.push_back(testing::random_tensor({1 + i % 4, 20}, static_cast<std::uint32_t>(100 + i)));
  return result;
}

// Answers every request from `threads` client threads at once.
std::vector<Tensor> answer_concurrently(ParallelInference& inference,
                                        const std::vector<Tensor>& inputs, int threads) {
  std::vector<Tensor> outputs(inputs.size());
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&, t] {
      for (std::size_t i = static_cast<std::size_t>(t); i < inputs.size();
           i += static_cast<std::size_t>(threads))
        outputs[i] = inference.output(inputs[i]);
    });
  }
  for (std::thread& client : clients) client.join();
  return outputs;
}

// Holds every batch until released: fills the queue on purpose.
struct Gate {
  std::mutex mutex;
  std::condition_variable changed;
  bool open = false;
  int waiting = 0;
  void pass() {
    std::unique_lock<std::mutex> lock(mutex);
    ++waiting;
    changed.notify_all();
    changed.wait(lock, [&] { return open; });
  }
  void wait_for_a_held_batch() {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return waiting > 0; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex);
    open = true;
    changed.notify_all();
  }
};
}  // namespace

TEST_CASE("batch-invariant serving: batched answers equal sequential ones bit for bit",
          "[parallel][inference][threads]") {
  Network model(small_mlp(1));
  model.set_batch_invariant(true);
  const std::vector<Tensor> inputs = requests(96);
  auto sequential = ParallelInference::Builder(model)
                        .workers(2)
                        .inference_mode(InferenceMode::SEQUENTIAL)
                        .batch_invariant(true)
                        .build();
  auto batched = ParallelInference::Builder(model)
                     .workers(2)
                     .batch_invariant(true)
                     .inference_mode(InferenceMode::BATCHED)
                     .batch_limit(16)
                     .max_queue_delay(std::chrono::microseconds(2000))
                     .build();
  const std::vector<Tensor> one_by_one = answer_concurrently(*sequential, inputs, 8);
  const std::vector<Tensor> merged = answer_concurrently(*batched, inputs, 8);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    INFO("request " << i);
    REQUIRE(merged[i].shape() == one_by_one[i].shape());
    CHECK(bits(merged[i]) == bits(one_by_one[i]));
    CHECK(bits(merged[i]) == bits(model.output(inputs[i])));
  }
  const InferenceStatistics statistics = batched->statistics();
  CHECK(statistics.requests == 96);
  CHECK(statistics.batches < 96);  // requests were merged
  CHECK(statistics.examples == sequential->statistics().examples);
  CHECK(sequential->statistics().batches == 96);
}

TEST_CASE(
    "time series of different lengths are padded, masked and batched; each answer is "
    "the request's alone",
    "[parallel][inference][threads][recurrent]") {
  for (const bool per_step : {false, true}) {
    INFO((per_step ? "an output per step" : "the last step's output"));
    nlohmann::json head = {{"type", per_step ? "rnn_output" : "output"}, {"units", 4}};
    Network model(
        NetworkBuilder()
            .graph_input("x", {6, 3})
            .vertex("h", {{"type", "gru"}, {"units", 5}, {"return_sequences", per_step}}, {"x"})
            .vertex("out", head, {"h"})
            .seed(3)
            .build());
    Gate gate;
    auto inference = ParallelInference::Builder(model)
                         .workers(1)
                         .batch_limit(32)
                         .max_queue_delay(std::chrono::microseconds(100000))
                         .before_batch([&](std::int64_t) { gate.pass(); })
                         .build();
    // Lengths 4, 6, 2 and 5; the second request masks its second example to 3 steps.
    const std::int64_t rows[] = {1, 2, 1, 3}, steps[] = {4, 6, 2, 5};
    std::vector<Tensor> features, masks;
    std::vector<PendingOutput> pending;
    for (int i = 0; i < 4; ++i) {
      features.push_back(
          testing::random_tensor({rows[i], steps[i], 3}, static_cast<std::uint32_t>(40 + i)));
      Tensor mask;
      if (i == 1) {
        mask = Tensor::empty_detached({2, 6});
        for (int t = 0; t < 12; ++t) mask.data<float>()[t] = t < 6 + 3 ? 1.0f : 0.0f;
      }
      masks.push_back(mask);
      pending.push_back(inference->submit(features.back(), mask));
      if (i == 0) gate.wait_for_a_held_batch();  // the first alone; the other three wait
    }
    gate.release();
    for (int i = 0; i < 4; ++i) {
      INFO("request " << i);
      const Tensor answer = pending[static_cast<std::size_t>(i)].get();
      const Tensor alone =
          model.output(features[static_cast<std::size_t>(i)], masks[static_cast<std::size_t>(i)]);
      REQUIRE(answer.shape() == alone.shape());
      testing::require_close(answer, testing::values_of(alone), 1e-5, 1e-6);
    }
    CHECK(inference->statistics().batches == 2);  // the first, then three merged
    // Later merged batches: of one length, of another, then of mixed lengths. The worker's
    // input memory follows (a workspace keeps one configuration whatever the length).
    const std::vector<std::vector<std::int64_t>> rounds = {{3, 3, 3}, {5, 5, 5}, {2, 4, 2}};
    for (const std::vector<std::int64_t>& lengths : rounds) {
      INFO("a batch of lengths " << lengths[0] << ", " << lengths[1] << ", " << lengths[2]);
      std::vector<Tensor> more;
      std::vector<PendingOutput> answers;
      for (std::size_t i = 0; i < lengths.size(); ++i) {
        more.push_back(testing::random_tensor({2, lengths[i], 3},
                                              static_cast<std::uint32_t>(60 + lengths[i] * 3 + i)));
        answers.push_back(inference->submit(more.back()));
      }
      for (std::size_t i = 0; i < more.size(); ++i)
        testing::require_close(answers[i].get(), testing::values_of(model.output(more[i])), 1e-5,
                               1e-6);
    }
    CHECK(inference->statistics().errors == 0);
  }
}

TEST_CASE(
    "a mask is refused for a model whose examples are not time series, or of the wrong "
    "shape",
    "[parallel][inference]") {
  Network model(small_mlp(1));
  auto inference = ParallelInference::Builder(model).workers(1).build();
  CHECK_THROWS_WITH(
      inference->submit(testing::random_tensor({2, 20}, 1), Tensor::empty_detached({2, 20})),
      Contains("are not time series"));
  Network series(NetworkBuilder()
                     .graph_input("x", {6, 3})
                     .vertex("h", {{"type", "lstm"}, {"units", 4}}, {"x"})
                     .vertex("out", {{"type", "output"}, {"units", 2}}, {"h"})
                     .build());
  auto served = ParallelInference::Builder(series).workers(1).build();
  CHECK_THROWS_WITH(
      served->submit(testing::random_tensor({2, 5, 3}, 2), Tensor::empty_detached({2, 4})),
      Contains("must be f32 [n, T]"));
  CHECK_THROWS_WITH(served->submit(testing::random_tensor({2, 5, 4}, 2)),
                    Contains("steps (any), features"));
}

TEST_CASE("inputs of the wrong shape are refused to their caller only",
          "[parallel][inference][threads]") {
  Network model(small_mlp(1));
  auto inference = ParallelInference::Builder(model).workers(1).batch_limit(64).build();
  std::vector<PendingOutput> good;
  for (int i = 0; i < 20; ++i) {
    good.push_back(
        inference->submit(testing::random_tensor({2, 20}, static_cast<std::uint32_t>(i))));
    CHECK_THROWS_WITH(inference->submit(testing::random_tensor({2, 21}, 1)),
                      Contains("[2, 21]") && Contains("[20]"));
    CHECK_THROWS_WITH(inference->submit(testing::random_tensor({20}, 1)),
                      Contains("[n, features]"));
  }
  for (auto& future : good) CHECK(future.get().shape() == Shape({2, 5}));
}

TEST_CASE("an exception reaches exactly the callers of the failing batch",
          "[parallel][inference][threads]") {
  Network model(small_mlp(1));
  std::atomic<int> batch_number{0};
  auto inference = ParallelInference::Builder(model)
                       .workers(1)
                       .inference_mode(InferenceMode::SEQUENTIAL)
                       .before_batch([&](std::int64_t) {
                         if (++batch_number == 3) throw std::runtime_error("replica on fire");
                       })
                       .build();
  std::vector<PendingOutput> futures;
  for (int i = 0; i < 6; ++i)
    futures.push_back(inference->submit(testing::random_tensor({1, 20}, 7)));
  for (int i = 0; i < 6; ++i) {
    if (i == 2)
      CHECK_THROWS_WITH(futures[static_cast<std::size_t>(i)].get(),
                        Contains("inference batch failed: replica on fire"));
    else
      CHECK(futures[static_cast<std::size_t>(i)].get().shape() == Shape({1, 5}));
  }
  CHECK(inference->statistics().errors == 1);
  CHECK(inference->statistics().requests == 6);
}

TEST_CASE("beyond queue_limit callers are refused with a retryable error, and nothing is lost",
          "[parallel][inference][threads]") {
  Network model(small_mlp(1));
  Gate gate;
  auto inference = ParallelInference::Builder(model)
                       .workers(1)
                       .inference_mode(InferenceMode::SEQUENTIAL)
                       .queue_limit(4)
                       .before_batch([&](std::int64_t) { gate.pass(); })
                       .build();
  std::vector<PendingOutput> futures;
  futures.push_back(inference->submit(testing::random_tensor({1, 20}, 1)));
  gate.wait_for_a_held_batch();  // the worker holds the first: the queue fills behind it
  for (int i = 0; i < 4; ++i)
    futures.push_back(inference->submit(testing::random_tensor({1, 20}, 2)));
  CHECK(inference->statistics().queue_depth == 4);
  CHECK_THROWS_AS(inference->submit(testing::random_tensor({1, 20}, 3)), OverloadedError);
  CHECK_THROWS_WITH(inference->submit(testing::random_tensor({1, 20}, 3)),
                    Contains("queue_limit 4") && Contains("retry later"));
  CHECK(inference->statistics().rejected == 2);
  gate.release();
  for (auto& future : futures) CHECK(future.get().shape() == Shape({1, 5}));
}

TEST_CASE("update_model swaps the weights under load without dropping a request",
          "[parallel][inference][threads]") {
  Network first(small_mlp(1)), second(small_mlp(2));
  first.set_batch_invariant(true);  // an answer's bits do not depend on its batch
  second.set_batch_invariant(true);
  const Tensor probe = testing::random_tensor({3, 20}, 9);
  const std::vector<float> from_first = bits(first.output(probe)),
                           from_second = bits(second.output(probe));
  REQUIRE(from_first != from_second);
  auto inference =
      ParallelInference::Builder(first).workers(2).batch_limit(8).batch_invariant(true).build();
  std::atomic<bool> swapped{false};
  std::atomic<int> answered{0}, wrong{0}, stale_after_swap{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 150; ++i) {
        const bool after = swapped.load();
        const std::vector<float> answer = bits(inference->output(probe));
        if (answer != from_first && answer != from_second) ++wrong;
        if (after && answer != from_second) ++stale_after_swap;
        ++answered;
      }
    });
  }
  while (answered.load() < 300) std::this_thread::yield();
  inference->update_model(second);
  swapped = true;
  for (std::thread& client : clients) client.join();
  CHECK(answered.load() == 900);
  CHECK(wrong.load() == 0);
  CHECK(stale_after_swap.load() == 0);
  CHECK(inference->statistics().requests == 900);
  CHECK_THROWS_WITH(
      inference->update_model(Network(NetworkBuilder().input({20}).output(5).build())),
      Contains("same architecture"));
}

TEST_CASE("bad settings are refused", "[parallel][inference]") {
  Network model(small_mlp(1));
  CHECK_THROWS_WITH(ParallelInference::Builder(model).batch_limit(0).build(),
                    Contains("batch_limit 0"));
  CHECK_THROWS_WITH(ParallelInference::Builder(model).queue_limit(0).build(),
                    Contains("queue_limit"));
  CHECK_THROWS_WITH(ParallelInference::Builder(model).workers(-3).build(), Contains("workers -3"));
}
