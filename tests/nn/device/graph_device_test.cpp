// [device] the inference and training steps as replayed graphs (CUDA graphs; captured and
// replayed by sim streams on sim): the same answers as eager runs, and replays once the
// workspaces have learned their sizes.
#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "kernels/ops.h"
#include "nn/evaluation.h"
#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "nn/workspace_mode.h"
#include "runtime/stream.h"
#include "runtime/tensor_copy.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/test_device.h"
#include "workspace/workspace.h"
#include "workspace/workspace_manager.h"

using namespace gyre;
using namespace gyre::nn;

TEST_CASE("a graphed inference step answers as the eager one and replays", "[device][nn][graphs]") {
  const Device device = testing::test_device();
  const NetworkConfig config = NetworkConfig::mlp();
  Network eager(config, device), graphed(config, device);
  graphed.set_cuda_graphs(true);
  for (std::uint32_t i = 0; i < 8; ++i) {
    const Tensor input = testing::random_tensor({128, 784}, i, 0.0f, 1.0f, device);
    const std::vector<double> expected = testing::values_of(eager.output(input));
    testing::require_close(testing::on_host(graphed.output(input)), expected, 1e-6, 1e-7);
  }
  INFO("eager because: " << graphed.inference_graph_plan().reason());
  CHECK(graphed.inference_graph_plan().has_graph());
  CHECK(graphed.inference_graph_plan().replays() >= 5);
}

namespace {
// Fashion-MNIST-shaped random batches with one-hot labels on `device`, and a short last batch.
std::vector<DataSet> device_batches(Device device, int count, std::int64_t batch) {
  std::vector<DataSet> batches;
  for (int b = 0; b < count; ++b) {
    const std::int64_t rows = b + 1 == count ? batch / 2 : batch;
    Tensor labels = Tensor::empty_detached({rows, 10}, DType::f32, Device::cpu());
    for (std::int64_t r = 0; r < rows; ++r) {
      for (int c = 0; c < 10; ++c) labels.data<float>()[r * 10 + c] = (r + b) % 10 == c;
    }
    DataSet set{testing::random_tensor({rows, 784}, 100 + b, 0.0f, 1.0f, device),
                Tensor::empty_detached({rows, 10}, DType::f32, device)};
    const DeviceGuard on_device(device);
    copy_tensor(labels, set.labels);
    Stream::current(device).synchronize();
    batches.push_back(set);
  }
  return batches;
}
}  // namespace

TEST_CASE("a graphed training step trains as the eager one, replays, and allocates nothing",
          "[device][nn][graphs]") {
  const Device device = testing::test_device();
  // Dropout and Adam: both read the iteration from the device, so replays are new steps.
  const NetworkConfig config =
      NetworkBuilder().input({784}).dense(256).dropout(0.2f).dense(128).output(10).seed(9).build();
  Network eager(config, device), graphed(config, device);
  graphed.set_cuda_graphs(true);
  const std::vector<DataSet> batches = device_batches(device, 6, 128);
  for (int epoch = 0; epoch < 3; ++epoch) {
    for (const DataSet& batch : batches) {
      eager.fit(batch);
      graphed.fit(batch);
    }
  }
  INFO("eager because: " << graphed.training_graph_plan().reason());
  CHECK(graphed.training_graph_plan().has_graph());
  CHECK(graphed.training_graph_plan().replays() >= 10);
  CHECK(graphed.iteration() == eager.iteration());
  testing::require_close(testing::on_host(graphed.parameters()),
                         testing::values_of(eager.parameters()), 1e-4, 1e-6);
  CHECK(graphed.score() == Approx(eager.score()).epsilon(1e-4));
  // Steady state, with inference between steps: after one round to learn the inference
  // sizes (which may grow a shared workspace, and so drop the training graph once), no
  // arena moves, every full batch replays, and nothing is allocated.
  auto round = [&] {
    for (const DataSet& batch : batches) {
      graphed.fit(batch);
      (void)graphed.output(batch.features);
    }
  };
  round();
  round();
  const std::uint64_t replays = graphed.training_graph_plan().replays();
  const std::uint64_t moves = Workspace::arena_moves(device);
  round();
  CHECK(Workspace::arena_moves(device) == moves);
  CHECK(graphed.training_graph_plan().replays() == replays + 5);
  // Nothing allocated by the training steps: no detached memory (cache hits included), no
  // workspace spill or resize on this thread.
  const std::uint64_t events = graphed.device_allocation_events();
  for (const DataSet& batch : batches) graphed.fit(batch);
  CHECK(graphed.device_allocation_events() == events);
  // evaluate() between captured steps: its workspaces are learned in the first round;
  // afterwards every full batch still replays.
  const Tensor features = testing::random_tensor({256, 784}, 7, 0.0f, 1.0f);
  Tensor labels = Tensor::empty_detached({256, 10}, DType::f32, Device::cpu());
  for (int r = 0; r < 256; ++r) {
    for (int c = 0; c < 10; ++c) labels.data<float>()[r * 10 + c] = r % 10 == c;
  }
  InMemoryIterator held_out(features, labels, 128, false, 0);  // host batches
  Evaluation evaluation(10);
  auto round_with_evaluation = [&] {
    for (const DataSet& batch : batches) {
      graphed.fit(batch);
      held_out.reset();
      evaluation.reset();
      graphed.evaluate(held_out, {&evaluation});
    }
  };
  round_with_evaluation();
  const std::uint64_t before = graphed.training_graph_plan().replays();
  round_with_evaluation();
  CHECK(graphed.training_graph_plan().replays() == before + 5);
}

// The graph holds the capturing thread's workspace addresses. A step called
// from another thread must not replay it: it would write into memory the capturing thread
// has since handed to other tensors.
TEST_CASE("an inference graph is not replayed into the capturing thread's memory from another",
          "[device][nn][graphs]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  Network eager(NetworkConfig::mlp(), device), graphed(NetworkConfig::mlp(), device);
  graphed.set_cuda_graphs(true);
  const Tensor input = testing::random_tensor({128, 784}, 1, 0.0f, 1.0f, device);
  const std::vector<double> expected = testing::values_of(eager.output(input));
  for (int i = 0; i < 4; ++i) (void)graphed.output(input);
  REQUIRE(graphed.inference_graph_plan().replays() >= 1);
  const std::uint64_t replays = graphed.inference_graph_plan().replays();
  // This thread reuses the first layer's output memory (the start of its arena) for a tensor
  // of its own, and keeps it.
  WorkspaceScope scope = WorkspaceManager::for_device(device).activate(workspace_ids::kInferenceA);
  const Tensor mine = Tensor::empty({128, 256}, DType::f32, device);
  kernels::fill(mine, 7.0);
  std::vector<double> answer;
  std::thread([&] {
    const DeviceGuard on_other_thread(device);
    answer = testing::values_of(graphed.output(input));
  }).join();
  testing::require_close(answer, expected, 1e-6, 1e-7);
  CHECK(graphed.inference_graph_plan().replays() == replays);  // eager on the other thread
  const std::vector<double> still_mine = testing::values_of(mine);
  CHECK(std::count(still_mine.begin(), still_mine.end(), 7.0) ==
        static_cast<std::ptrdiff_t>(still_mine.size()));
}
