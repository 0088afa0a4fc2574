// The deep-MLP memory workload of BENCHMARKS.md: 16 hidden layers of 1024, batch 256.
// SEPARATE must hold at most half of SINGLE's workspace memory in training, and inference in
// SEPARATE at most two layers' activations (docs/benchmarks/memory.md records the numbers).
#include <catch2/catch.hpp>

#include "nn/network.h"
#include "tests/support/kernel_testing.h"
#include "workspace/workspace_manager.h"

using namespace gyre;
using namespace gyre::nn;

namespace {
NetworkConfig deep_mlp(WorkspaceMode mode) {
  NetworkBuilder builder;
  builder.input({784});
  for (int i = 0; i < 16; ++i) builder.dense(1024);
  return builder.output(10).workspace_modes(mode, mode).build();
}

std::size_t reserved_bytes(const char* prefix) {
  std::size_t total = 0;
  for (const WorkspaceStatistics& workspace : WorkspaceManager::current().statistics()) {
    if (workspace.id.rfind(prefix, 0) == 0 || std::string(prefix).empty())
      total += workspace.reserved_bytes();
  }
  return total;
}
}  // namespace

TEST_CASE("SEPARATE training holds at most half of SINGLE's workspace memory; inference two layers",
          "[nn][memory]") {
  DataSet batch{testing::random_tensor({256, 784}, 1, 0.0f, 1.0f),
                Tensor::empty_detached({256, 10})};
  for (int r = 0; r < 256; ++r) {
    for (int c = 0; c < 10; ++c) batch.labels.data<float>()[r * 10 + c] = r % 10 == c;
  }
  std::size_t training[2] = {}, inference_peak = 0;
  const WorkspaceMode modes[2] = {WorkspaceMode::SINGLE, WorkspaceMode::SEPARATE};
  for (int m = 0; m < 2; ++m) {
    WorkspaceManager::destroy_all_for_current_thread();
    Network network(deep_mlp(modes[m]));
    for (int i = 0; i < 2; ++i) network.fit(batch);
    training[m] = reserved_bytes("");
    WARN(name_of(modes[m]) << " training: " << human_bytes(training[m]) << " of workspaces");
    if (modes[m] == WorkspaceMode::SEPARATE) {
      WorkspaceManager::destroy_all_for_current_thread();
      network.output(batch.features);
      network.output(batch.features);
      for (const WorkspaceStatistics& workspace : WorkspaceManager::current().statistics()) {
        if (workspace.id.rfind("WS_INFERENCE_ACT", 0) == 0) {
          inference_peak = std::max(inference_peak, workspace.arenas[0].allocated_bytes_peak);
        }
      }
    }
  }
  const std::size_t one_layer = 256 * 1024 * sizeof(float);
  WARN("SEPARATE / SINGLE = " << static_cast<double>(training[1]) / static_cast<double>(training[0])
                              << "; SEPARATE inference: at most " << human_bytes(inference_peak)
                              << " per alternating workspace (one layer's activations: "
                              << human_bytes(one_layer) << ")");
  CHECK(static_cast<double>(training[1]) <= 0.5 * static_cast<double>(training[0]));
  CHECK(inference_peak <= one_layer);  // each of the two alternating workspaces holds one layer
  WorkspaceManager::destroy_all_for_current_thread();
}
