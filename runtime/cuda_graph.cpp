#include "runtime/cuda_graph.h"

#include <utility>

#include "runtime/accelerator.h"
#include "runtime/error.h"

namespace gyre {

CudaGraph::~CudaGraph() {
  if (exec_ != nullptr) accelerator(device_).destroy_graph(exec_);
}
CudaGraph::CudaGraph(CudaGraph&& other) noexcept
    : exec_(std::exchange(other.exec_, nullptr)), device_(other.device_) {}
CudaGraph& CudaGraph::operator=(CudaGraph&& other) noexcept {
  if (this != &other) {
    if (exec_ != nullptr) accelerator(device_).destroy_graph(exec_);
    exec_ = std::exchange(other.exec_, nullptr);
    device_ = other.device_;
  }
  return *this;
}

CudaGraph CudaGraph::capture(Stream stream, const std::function<void()>& work) {
  GYRE_CHECK(stream.device().is_accelerator() && stream.handle() != nullptr, InvalidArgumentError,
             "CudaGraph::capture needs an accelerator stream of its own (not the default "
             "stream), got ",
             stream.device(), stream.handle() == nullptr ? " default stream" : "");
  Accelerator& device = accelerator(stream.device());
  device.begin_capture(stream);
  try {
    work();
  } catch (...) {
    if (void* failed = device.end_capture(stream)) device.destroy_graph(failed);
    throw;
  }
  CudaGraph graph;
  graph.exec_ = device.end_capture(stream);
  graph.device_ = stream.device();
  return graph;
}

void CudaGraph::replay(Stream stream) const {
  GYRE_CHECK(exec_ != nullptr, InvalidArgumentError, "CudaGraph::replay on an empty graph");
  GYRE_CHECK(stream.device() == device_, DeviceError, "a graph captured on ", device_,
             " cannot be replayed on a stream of ", stream.device());
  accelerator(device_).launch_graph(exec_, stream);
}

}  // namespace gyre
