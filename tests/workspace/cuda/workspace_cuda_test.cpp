// [cuda] workspace tests on a real GPU: device and pinned arenas, stream-ordered reuse.
#include <catch2/catch.hpp>
#include <vector>

#include "runtime/cuda_backend.h"
#include "runtime/statistics_resource.h"
#include "runtime/tensor.h"
#include "workspace/workspace_manager.h"

using namespace gyre;

TEST_CASE("a CUDA workspace hands out device memory at the same addresses every cycle",
          "[cuda][workspace]") {
  WorkspaceManager& manager = WorkspaceManager::for_device(Device::cuda(0));
  void* first = nullptr;
  for (int cycle = 0; cycle < 5; ++cycle) {
    WorkspaceScope scope = manager.activate("WS_CUDA");
    Tensor tensor = Tensor::empty({256, 256}, DType::f32, Device::cuda(0));
    CHECK(tensor.is_attached());
    std::vector<float> host(256 * 256, static_cast<float>(cycle)), back(256 * 256);
    cuda_backend::copy_async(tensor.data<float>(), host.data(), tensor.nbytes(), nullptr);
    cuda_backend::copy_async(back.data(), tensor.data<float>(), tensor.nbytes(), nullptr);
    cuda_backend::synchronize_stream(nullptr);
    CHECK(back == host);
    if (cycle == 1) first = tensor.unchecked_data();
    if (cycle > 1) CHECK(tensor.unchecked_data() == first);
  }
  const WorkspaceStatistics statistics = manager.get("WS_CUDA")->statistics();
  CHECK(statistics.arenas[0].kind == MemoryKind::device);
  CHECK(statistics.spilling_cycles == 1);
  manager.destroy_all();
}

TEST_CASE("a mirrored CUDA workspace has a pinned host arena the GPU can copy from",
          "[cuda][workspace]") {
  WorkspaceConfig config;
  config.mirroring = MirroringPolicy::DEVICE_AND_PINNED_HOST;
  config.initial_size = 1 << 20;
  config.learning = LearningPolicy::NONE;
  Workspace workspace("WS_MIRROR", config, Device::cuda(0));
  OwnedStream stream(Device::cuda(0));
  workspace.enter();
  auto* staging =
      static_cast<float*>(workspace.allocate(4096 * 4, MemoryKind::pinned_host, 256, stream).data);
  auto* device =
      static_cast<float*>(workspace.allocate(4096 * 4, MemoryKind::device, 256, stream).data);
  for (int i = 0; i < 4096; ++i) staging[i] = static_cast<float>(i);
  std::vector<float> back(4096);
  cuda_backend::copy_async(device, staging, 4096 * 4, stream.view().handle());
  cuda_backend::copy_async(back.data(), device, 4096 * 4, stream.view().handle());
  workspace.leave();  // never synchronizes: the copies may still run
  stream.view().synchronize();
  for (int i = 0; i < 4096; ++i) REQUIRE(back[i] == static_cast<float>(i));
}

TEST_CASE("memory a second stream used is reused only after that stream's work",
          "[cuda][workspace]") {
  WorkspaceConfig config;
  config.initial_size = 64 << 20;
  config.learning = LearningPolicy::NONE;
  Workspace workspace("WS_STREAMS", config, Device::cuda(0));
  OwnedStream compute(Device::cuda(0)), copy(Device::cuda(0));
  std::vector<float> host(16 << 20, 1.0f);
  // Pinned, so that the device-to-host copy is truly asynchronous.
  PinnedHostMemoryResource pinned;
  auto* back = static_cast<float*>(pinned.allocate(host.size() * 4));
  back[0] = back[host.size() - 1] = 0.0f;
  workspace.enter();
  void* buffer = workspace.allocate(host.size() * 4, 256, compute).data;
  cuda_backend::copy_async(buffer, host.data(), host.size() * 4, compute.view().handle());
  compute.view().synchronize();
  workspace.record_stream_use(copy);
  cuda_backend::copy_async(back, buffer, host.size() * 4, copy.view().handle());  // delayed reader
  workspace.leave();
  workspace.enter();
  void* reused = workspace.allocate(host.size() * 4, 256, compute).data;  // waits for `copy`
  REQUIRE(reused == buffer);
  cuda_backend::memset_async(reused, 0, host.size() * 4, compute.view().handle());
  workspace.leave();
  compute.view().synchronize();
  copy.view().synchronize();
  CHECK(back[0] == 1.0f);
  CHECK(back[host.size() - 1] == 1.0f);  // the overwrite came after the copy
  pinned.deallocate(back, host.size() * 4);
}
