// [device] networks on an accelerator (tests/support/test_device.h): the same training as
// on the CPU, and a steady state with no device allocation.
#include <catch2/catch.hpp>

#include "kernels/ops.h"
#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "runtime/detached_memory.h"
#include "runtime/stream.h"
#include "runtime/tensor_copy.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/test_device.h"
#include "workspace/workspace_manager.h"

using namespace gyre;
using namespace gyre::nn;

TEST_CASE("a network trains on the device to the parameters it reaches on the CPU",
          "[device][nn]") {
  const Device device = testing::test_device();
  const NetworkConfig config =
      NetworkBuilder().input({1, 8, 8}).conv2d(4, 3).max_pool().dense(16).output(4).seed(3).build();
  Tensor features = testing::random_tensor({64, 1, 8, 8}, 1, 0.0f, 1.0f),
         labels = Tensor::empty_detached({64, 4}, DType::f32, Device::cpu());
  for (int r = 0; r < 64; ++r) {
    for (int c = 0; c < 4; ++c) labels.data<float>()[r * 4 + c] = r % 4 == c;
  }
  Network cpu(config), accelerated(config, device);
  REQUIRE(accelerated.parameters().device() == device);
  InMemoryIterator cpu_data(features, labels, 16, true, 1),
      device_data(features, labels, 16, true, 1, device);
  const std::vector<double> initial = testing::values_of(cpu.parameters());
  cpu.fit(cpu_data, 2);
  accelerated.fit(device_data, 2);
  CHECK(accelerated.iteration() == cpu.iteration());
  // Training moved the parameters, and the device's moves are the CPU's.
  const std::vector<double> trained = testing::values_of(cpu.parameters());
  CHECK(trained != initial);
  testing::require_close(testing::on_host(accelerated.parameters()), trained, 1e-3, 1e-4);

  // Steady state: no workspace spill or resize and no detached allocation on the device.
  auto device_allocations = [device] {
    std::uint64_t calls = detached_resource(device).statistics().misses;
    for (const WorkspaceStatistics& workspace : WorkspaceManager::for_device(device).statistics()) {
      calls += workspace.arenas[0].spill_count + workspace.arenas[0].resize_count;
    }
    return calls;
  };
  Evaluation evaluation(4);
  const std::vector<Evaluator*> evaluators = {&evaluation};
  accelerated.evaluate(device_data, evaluators);
  const std::uint64_t before = device_allocations();
  CHECK_FALSE(WorkspaceManager::for_device(device).statistics().empty());
  accelerated.fit(device_data, 2);
  accelerated.evaluate(device_data, evaluators);
  CHECK(device_allocations() == before);
}

TEST_CASE("a graph of two inputs and two outputs trains on the device as on the CPU",
          "[device][nn][graph]") {
  const Device device = testing::test_device();
  auto layer = [](const char* type, std::int64_t units) {
    return nlohmann::json{{"type", type}, {"units", units}};
  };
  const NetworkConfig config =
      NetworkBuilder()
          .graph_input("a", {1, 6, 6})
          .graph_input("b", {5})
          .vertex("conv", {{"type", "conv2d"}, {"channels", 2}, {"kernel", 3}}, {"a"})
          .vertex("flat", {{"type", "flatten"}}, {"conv"})
          .vertex("fb", layer("dense", 32), {"b"})
          .vertex("sum", {{"type", "add"}}, {"flat", "fb"})
          .vertex("cat", {{"type", "merge"}}, {"sum", "b"})
          .vertex("part", {{"type", "subset"}, {"from", 3}, {"to", 30}}, {"cat"})
          .vertex("out1", layer("output", 3), {"part"})
          .vertex("out2", layer("output", 2), {"cat"})
          .graph_outputs({{"out1", 1.0f}, {"out2", 0.5f}})
          .seed(6)
          .build();
  auto batch_on = [](Device on, std::uint32_t seed) {
    MultiDataSet batch;
    batch.features = {testing::random_tensor({8, 1, 6, 6}, seed, 0.0f, 1.0f, on),
                      testing::random_tensor({8, 5}, seed + 1, 0.0f, 1.0f, on)};
    Tensor one_hot3 = Tensor::empty_detached({8, 3}), one_hot2 = Tensor::empty_detached({8, 2});
    for (int r = 0; r < 8; ++r) {
      for (int c = 0; c < 3; ++c)
        one_hot3.data<float>()[r * 3 + c] = (r + static_cast<int>(seed)) % 3 == c;
      for (int c = 0; c < 2; ++c)
        one_hot2.data<float>()[r * 2 + c] = (r + static_cast<int>(seed)) % 2 == c;
    }
    batch.labels = {kernels::copy_to(one_hot3, on), kernels::copy_to(one_hot2, on)};
    return batch;
  };
  Network cpu(config), accelerated(config, device);
  for (std::uint32_t i = 0; i < 5; ++i) {
    cpu.fit(batch_on(Device::cpu(), i));
    accelerated.fit(batch_on(device, i));
  }
  CHECK(testing::values_of(cpu.parameters()) != testing::values_of(Network(config).parameters()));
  testing::require_close(testing::on_host(accelerated.parameters()),
                         testing::values_of(cpu.parameters()), 1e-3, 1e-4);
  const std::vector<Tensor> expected = cpu.output(batch_on(Device::cpu(), 9).features);
  const std::vector<Tensor> actual = accelerated.output(batch_on(device, 9).features);
  for (int o = 0; o < 2; ++o)
    testing::require_close(testing::on_host(actual[o]), testing::values_of(expected[o]), 1e-3,
                           1e-4);
}

TEST_CASE(
    "a recurrent graph of ids, with feature and label masks, trains on the device as on "
    "the CPU",
    "[device][nn][recurrent]") {
  const Device device = testing::test_device();
  auto recurrent = [](const char* type, std::int64_t units, bool bidirectional) {
    return nlohmann::json{{"type", type},
                          {"units", units},
                          {"bidirectional", bidirectional},
                          {"return_sequences", true}};
  };
  const NetworkConfig config =
      NetworkBuilder()
          .graph_input("ids", {6, 1})
          .graph_input("context", {3})
          .vertex("embed", {{"type", "embedding"}, {"vocabulary", 11}, {"units", 4}}, {"ids"})
          .vertex("lstm", recurrent("lstm", 5, true), {"embed"})
          .vertex("dense", {{"type", "dense"}, {"units", 2}}, {"context"})
          .vertex("repeat", {{"type", "duplicate_to_time_series"}}, {"dense", "lstm"})
          .vertex("cat", {{"type", "merge"}}, {"lstm", "repeat"})
          .vertex("gru", recurrent("gru", 4, false), {"cat"})
          .vertex("out", {{"type", "rnn_output"}, {"units", 3}}, {"gru"})
          .seed(12)
          .build();
  // Batches of 5 to 6 steps; the labels mask drops each example's first step.
  auto batch_on = [](Device on, std::uint32_t seed) {
    const std::int64_t steps = 5 + seed % 2;
    Tensor ids = Tensor::empty_detached({4, steps, 1}), mask = Tensor::empty_detached({4, steps}),
           labels = Tensor::empty_detached({4, steps, 3});
    Tensor label_mask = Tensor::empty_detached({4, steps});
    for (std::int64_t r = 0; r < 4; ++r)
      for (std::int64_t t = 0; t < steps; ++t) {
        const std::int64_t at = r * steps + t;
        ids.data<float>()[at] = static_cast<float>((at * 7 + seed) % 11);
        mask.data<float>()[at] = t < steps - r;
        label_mask.data<float>()[at] = t > 0 && t < steps - r;
        for (int c = 0; c < 3; ++c) labels.data<float>()[at * 3 + c] = (at + seed) % 3 == c;
      }
    MultiDataSet batch;
    batch.features = {kernels::copy_to(ids, on),
                      testing::random_tensor({4, 3}, seed, 0.0f, 1.0f, on)};
    batch.labels = {kernels::copy_to(labels, on)};
    batch.features_masks = {kernels::copy_to(mask, on), Tensor()};
    batch.labels_masks = {kernels::copy_to(label_mask, on)};
    return batch;
  };
  Network cpu(config), accelerated(config, device);
  for (std::uint32_t i = 0; i < 4; ++i) {
    cpu.fit(batch_on(Device::cpu(), i));
    accelerated.fit(batch_on(device, i));
  }
  CHECK(testing::values_of(cpu.parameters()) != testing::values_of(Network(config).parameters()));
  testing::require_close(testing::on_host(accelerated.parameters()),
                         testing::values_of(cpu.parameters()), 1e-3, 1e-4);
  const MultiDataSet probe = batch_on(Device::cpu(), 9), device_probe = batch_on(device, 9);
  const std::vector<Tensor> expected = cpu.output(probe.features, probe.features_masks);
  const std::vector<Tensor> actual =
      accelerated.output(device_probe.features, device_probe.features_masks);
  testing::require_close(testing::on_host(actual[0]), testing::values_of(expected[0]), 1e-3, 1e-4);
}

TEST_CASE("clone_to moves a network to the device with its parameters and state",
          "[device][nn][clone]") {
  const Device device = testing::test_device(1 % testing::test_device_count());
  Network original(
      NetworkBuilder().input({1, 6, 6}).conv2d(2, 3).batch_norm().dense(8).output(3).build());
  Tensor features = testing::random_tensor({8, 1, 6, 6}, 4, 0.0f, 1.0f),
         labels = Tensor::empty_detached({8, 3}, DType::f32, Device::cpu());
  for (int r = 0; r < 8; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c;
  }
  original.fit(DataSet{features, labels});
  const std::unique_ptr<Network> clone = original.clone_to(device);
  CHECK(clone->device() == device);
  CHECK(clone->parameters().device() == device);
  CHECK(testing::values_of(clone->parameters()) == testing::values_of(original.parameters()));
  CHECK(testing::values_of(clone->state()) == testing::values_of(original.state()));
  CHECK(clone->iteration() == original.iteration());
  const std::unique_ptr<Network> back = clone->clone_to(Device::cpu());
  CHECK(testing::values_of(back->parameters()) == testing::values_of(original.parameters()));
}
