// [cuda] the inference step as a replayed CUDA graph: the same answers as eager runs, and
// replays once the workspaces have learned their sizes.
#include <catch2/catch.hpp>

#include "nn/network.h"
#include "runtime/tensor_copy.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::nn;

TEST_CASE("a graphed inference step answers as the eager one and replays", "[cuda][nn][graphs]") {
  const NetworkConfig config = NetworkConfig::mlp();
  Network eager(config, Device::cuda(0)), graphed(config, Device::cuda(0));
  graphed.set_cuda_graphs(true);
  for (std::uint32_t i = 0; i < 8; ++i) {
    const Tensor host = testing::random_tensor({128, 784}, i, 0.0f, 1.0f);
    const Tensor input = Tensor::empty_detached({128, 784}, DType::f32, Device::cuda(0));
    copy_tensor(host, input);
    testing::require_close(graphed.output(input), testing::values_of(eager.output(input)), 1e-6,
                           1e-7);
  }
  INFO("eager because: " << graphed.inference_graph_plan().reason());
  CHECK(graphed.inference_graph_plan().has_graph());
  CHECK(graphed.inference_graph_plan().replays() >= 5);
}
