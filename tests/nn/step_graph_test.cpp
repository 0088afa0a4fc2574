// When a step runs as a replayed CUDA graph and when eagerly (issue 9's CPU-side logic),
// and the opt-in on a CPU network, which must fall back (logged) and answer as before.
#include "nn/step_graph.h"

#include <catch2/catch.hpp>

#include "nn/network.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::nn;
using Catch::Matchers::Contains;

namespace {
StepSignature on_gpu(const Shape& input, std::uint64_t allocations = 0) {
  StepSignature signature;
  signature.device = Device::cuda(0);
  signature.mode = WorkspaceMode::SEPARATE;
  signature.input = input;
  signature.allocations_last_step = allocations;
  return signature;
}
}  // namespace

TEST_CASE("a step is captured after a clean learning cycle and replayed while its shape holds",
          "[nn][graphs]") {
  StepGraphPlan plan("inference");
  CHECK(plan.next(on_gpu({32, 784})) == GraphAction::eager);  // the learning cycle
  CHECK_THAT(plan.reason(), Contains("learning"));
  CHECK(plan.next(on_gpu({32, 784}, 3)) == GraphAction::eager);  // it still allocated
  CHECK(plan.next(on_gpu({32, 784})) == GraphAction::capture);
  plan.captured(true);
  CHECK(plan.next(on_gpu({32, 784})) == GraphAction::replay);
  CHECK(plan.next(on_gpu({32, 784})) == GraphAction::replay);
  CHECK(plan.next(on_gpu({7, 784})) == GraphAction::eager);  // the short last batch
  CHECK_THAT(plan.reason(), Contains("[7, 784] differs from the captured [32, 784]"));
  CHECK(plan.next(on_gpu({32, 784})) == GraphAction::replay);
  CHECK(plan.replays() == 3);
  plan.invalidate();  // e.g. new parameter buffers
  CHECK(plan.next(on_gpu({32, 784})) == GraphAction::eager);
  CHECK(plan.next(on_gpu({32, 784})) == GraphAction::capture);
}

TEST_CASE("steps that cannot be replayed run eagerly, each reason said once", "[nn][graphs]") {
  StepGraphPlan plan("training");
  StepSignature cpu = on_gpu({8, 4});
  cpu.device = Device::cpu();
  CHECK(plan.next(cpu) == GraphAction::eager);
  CHECK_THAT(plan.reason(), Contains("cpu:0 is not a CUDA device"));
  StepSignature none = on_gpu({8, 4});
  none.mode = WorkspaceMode::NONE;
  CHECK(plan.next(none) == GraphAction::eager);
  CHECK_THAT(plan.reason(), Contains("NONE"));
  StepSignature adam = on_gpu({8, 4});
  adam.per_iteration_scalars = true;
  for (int i = 0; i < 3; ++i) CHECK(plan.next(adam) == GraphAction::eager);
  CHECK_THAT(plan.reason(), Contains("per-iteration host scalars"));
  // A failed capture turns graphs off for the step for good.
  CHECK(plan.next(on_gpu({8, 4})) == GraphAction::capture);
  plan.captured(false, "operation not permitted when stream is capturing");
  CHECK_FALSE(plan.has_graph());
  for (int i = 0; i < 3; ++i) CHECK(plan.next(on_gpu({8, 4})) == GraphAction::eager);
  CHECK_THAT(plan.reason(), Contains("capture failed (operation not permitted"));
}

TEST_CASE("CUDA graphs asked of a CPU network fall back to the same answers", "[nn][graphs]") {
  Network plain(NetworkBuilder().input({6}).dense(5).output(3).seed(2).build());
  Network graphed(NetworkBuilder().input({6}).dense(5).output(3).seed(2).build());
  graphed.set_cuda_graphs(true);
  for (std::uint32_t i = 0; i < 4; ++i) {
    const Tensor input = testing::random_tensor({4, 6}, i);
    testing::require_close(graphed.output(input), testing::values_of(plain.output(input)), 0.0,
                           0.0);
  }
  CHECK_FALSE(graphed.inference_graph_plan().has_graph());
  CHECK_THAT(graphed.inference_graph_plan().reason(), Contains("not a CUDA device"));
}
