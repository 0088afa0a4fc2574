#pragma once
// CudaGraph: the work one function enqueues on a stream, captured once and replayed with a
// single launch (a CUDA graph, or the simulated device's recording of one). Replays touch the same
// addresses as the capture: that is what workspaces give a step once they have learned their sizes.
#include <functional>

#include "runtime/stream.h"

namespace gyre {

class CudaGraph {
 public:
  CudaGraph() = default;
  ~CudaGraph();
  CudaGraph(CudaGraph&& other) noexcept;
  CudaGraph& operator=(CudaGraph&& other) noexcept;
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  /// Captures what `work` enqueues on `stream` (an accelerator stream other than the legacy
  /// default stream). Returns an empty graph if the capture failed (an operation that cannot be
  /// captured, such as a synchronization or an allocation); rethrows what `work` threw.
  static CudaGraph capture(Stream stream, const std::function<void()>& work);

  bool empty() const { return exec_ == nullptr; }
  /// Enqueues the captured work on `stream`.
  void replay(Stream stream) const;

 private:
  void* exec_ = nullptr;  // cudaGraphExec_t, or the simulated device's graph
  Device device_ = Device::cpu();
};

}  // namespace gyre
