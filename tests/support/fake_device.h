#pragma once
// CPU fakes for the device side of workspaces, so that every stream-ordering rule is
// tested without a GPU: device memory handed out as host addresses, and a stream ordering
// that records what it was asked to do.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/memory_resource.h"
#include "runtime/strcat.h"
#include "workspace/stream_ordering.h"
#include "workspace/workspace.h"

namespace gyre::testing {

/// "Device" memory of cuda:`index` that is really host memory.
class FakeDeviceMemory final : public MemoryResource {
 public:
  explicit FakeDeviceMemory(MemoryKind kind = MemoryKind::device, int index = 0)
      : kind_(kind), index_(index) {}
  MemoryKind kind() const override { return kind_; }
  Device device() const override {
    return kind_ == MemoryKind::device ? Device::cuda(index_) : Device::cpu();
  }
  std::string name() const override { return strcat("fake_", name_of(kind_)); }
  int allocations = 0;
  int deallocations = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment, Stream stream) override {
    ++allocations;
    return host_.allocate(bytes, alignment, stream);
  }
  void do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment,
                     Stream stream) noexcept override {
    ++deallocations;
    host_.deallocate(pointer, bytes, alignment, stream);
  }
  HostMemoryResource host_;
  MemoryKind kind_;
  int index_;
};

/// Streams named by the address of a label, and a log of fences recorded and waited for.
class RecordingOrdering final : public StreamOrdering {
 public:
  std::uint64_t record(Stream stream) override {
    const std::uint64_t token = next_++;
    live_[token] = name(stream);
    log.push_back(strcat("record ", name(stream), " #", token));
    return token;
  }
  void wait(Stream stream, std::uint64_t fence) override {
    log.push_back(strcat("wait ", name(stream), " #", fence, " (", live_.at(fence), ")"));
  }
  void synchronize(std::uint64_t fence) override {
    log.push_back(strcat("host waits #", fence, " (", live_.at(fence), ")"));
  }
  void forget(std::uint64_t fence) override { live_.erase(fence); }

  /// Streams on cuda:0 named "A", "B", ...
  Stream stream(const char* label) {
    labels_.emplace_back(label);
    return Stream(Device::cuda(0), const_cast<char*>(label));
  }
  std::string name(Stream stream) const {
    return stream.handle() != nullptr ? static_cast<const char*>(stream.handle()) : "default";
  }
  std::size_t live_fences() const { return live_.size(); }
  std::vector<std::string> log;

 private:
  std::uint64_t next_ = 1;
  std::map<std::uint64_t, std::string> live_;
  std::vector<std::string> labels_;
};

/// Resources of a fake cuda:0: device and pinned memory from the host, recorded ordering.
struct FakeCudaResources {
  FakeDeviceMemory device{MemoryKind::device};
  FakeDeviceMemory pinned{MemoryKind::pinned_host};
  RecordingOrdering ordering;
  WorkspaceResources resources() {
    WorkspaceResources result;
    result.device = Device::cuda(0);
    result.primary = &device;
    result.mirror = &pinned;
    result.ordering = &ordering;
    return result;
  }
};

}  // namespace gyre::testing
