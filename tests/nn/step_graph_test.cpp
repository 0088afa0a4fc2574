// When a step runs as a replayed CUDA graph and when eagerly,
// and the opt-in on a CPU network, which must fall back (logged) and answer as before.
#include "nn/step_graph.h"

#include <catch2/catch.hpp>

#include "kernels/ops.h"
#include "nn/network.h"
#include "runtime/error.h"
#include "runtime/tensor_copy.h"
#include "tests/support/allocation_counter.h"
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
  CHECK_THAT(plan.reason(), Contains("cpu:0 is not an accelerator"));
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

TEST_CASE("a training graph needs both shapes as captured and is dropped when arenas move",
          "[nn][graphs]") {
  StepGraphPlan plan("training");
  StepSignature step = on_gpu({32, 784});
  step.target = {32, 10};
  CHECK(plan.next(step) == GraphAction::eager);
  CHECK(plan.next(step) == GraphAction::capture);
  plan.captured(true);
  CHECK(plan.next(step) == GraphAction::replay);
  StepSignature other_labels = step;
  other_labels.target = {32, 5};
  CHECK(plan.next(other_labels) == GraphAction::eager);
  CHECK(plan.next(step) == GraphAction::replay);
  // An arena replaced after the capture (an inference pass that grew a shared workspace,
  // a trim, a destroyed workspace): the graph's addresses are gone. Learn, capture again.
  StepSignature moved = step;
  moved.arenas_moved = true;
  CHECK(plan.next(moved) == GraphAction::eager);
  CHECK_FALSE(plan.has_graph());
  CHECK_THAT(plan.reason(), Contains("arena moved since the capture"));
  CHECK(plan.next(step) == GraphAction::capture);
  plan.captured(true);
  CHECK(plan.next(step) == GraphAction::replay);
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
  CHECK_THAT(graphed.inference_graph_plan().reason(), Contains("not an accelerator"));
}

TEST_CASE("CUDA graphs asked of a CPU network train to the same parameters", "[nn][graphs]") {
  const NetworkConfig config =
      NetworkBuilder().input({6}).dense(5).dropout(0.2f).output(3).seed(4).build();
  Network plain(config), graphed(config);
  graphed.set_cuda_graphs(true);
  const Tensor features = testing::random_tensor({24, 6}, 7);
  Tensor labels = Tensor::empty_detached({24, 3});
  for (int r = 0; r < 24; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c ? 1.0f : 0.0f;
  }
  for (int step = 0; step < 5; ++step) {
    plain.fit(DataSet{features, labels});
    graphed.fit(DataSet{features, labels});
  }
  testing::require_close(graphed.parameters(), testing::values_of(plain.parameters()), 0.0, 0.0);
  CHECK(graphed.iteration() == 5);
  // The fallback costs nothing per step: no heap allocation, as without graphs.
  const Tensor input = testing::random_tensor({4, 6}, 9);
  (void)graphed.output(input);
  {
    testing::HeapAllocationCounter counter;
    for (int step = 0; step < 3; ++step) graphed.fit(DataSet{features, labels});
    CHECK(counter.count() == 0);
  }
  CHECK_FALSE(graphed.training_graph_plan().has_graph());
  CHECK_THAT(graphed.training_graph_plan().reason(), Contains("not an accelerator"));
}

TEST_CASE("the iteration count restored into a network reaches its kernels", "[nn][graphs]") {
  // Adam's step and dropout's mask come from the device counter: a network restored at
  // iteration 7 takes step 8, as one trained 7 times does.
  const NetworkConfig config =
      NetworkBuilder().input({6}).dense(5).dropout(0.3f).output(3).seed(5).build();
  const Tensor features = testing::random_tensor({12, 6}, 8);
  Tensor labels = Tensor::empty_detached({12, 3});
  for (int r = 0; r < 12; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c ? 1.0f : 0.0f;
  }
  Network trained(config), restored(config);
  for (int step = 0; step < 7; ++step) trained.fit(DataSet{features, labels});
  copy_tensor(trained.parameters(), restored.parameters());
  copy_tensor(trained.updater_state(), restored.updater_state());
  restored.set_iteration(7);
  trained.fit(DataSet{features, labels});
  restored.fit(DataSet{features, labels});
  testing::require_close(restored.parameters(), testing::values_of(trained.parameters()), 0.0, 0.0);
  CHECK_THROWS_AS(restored.set_iteration(-1), InvalidArgumentError);
}

// A graph holds the addresses of the capturing thread's workspaces.
TEST_CASE("a graph replays only on the workspaces it was captured with", "[nn][graphs]") {
  int thread_a = 0, thread_b = 0;  // stand-ins for two threads' workspace managers
  auto on = [](int& workspaces, std::uint64_t allocations = 0) {
    StepSignature signature = on_gpu({32, 784}, allocations);
    signature.workspaces = &workspaces;
    return signature;
  };
  StepGraphPlan plan("inference");
  CHECK(plan.next(on(thread_a, 5)) == GraphAction::eager);
  // Thread A's clean cycle says nothing of thread B's workspaces: B learns on its own.
  CHECK(plan.next(on(thread_b, 0)) == GraphAction::eager);
  CHECK_THAT(plan.reason(), Contains("learning"));
  CHECK(plan.next(on(thread_a, 0)) == GraphAction::eager);
  CHECK(plan.next(on(thread_a, 0)) == GraphAction::capture);
  plan.captured(true);
  CHECK(plan.next(on(thread_a)) == GraphAction::replay);
  // Another thread runs eagerly in its own workspaces; the graph stays thread A's.
  CHECK(plan.next(on(thread_b)) == GraphAction::eager);
  CHECK_THAT(plan.reason(), Contains("another thread"));
  CHECK(plan.next(on(thread_b)) == GraphAction::eager);
  CHECK(plan.next(on(thread_a)) == GraphAction::replay);
}
