#include "runtime/cuda_graph.h"

#include <utility>

#include "runtime/cuda_backend.h"
#include "runtime/error.h"

namespace gyre {

CudaGraph::~CudaGraph() {
  cuda_backend::destroy_graph(exec_);
}
CudaGraph::CudaGraph(CudaGraph&& other) noexcept : exec_(std::exchange(other.exec_, nullptr)) {}
CudaGraph& CudaGraph::operator=(CudaGraph&& other) noexcept {
  if (this != &other) {
    cuda_backend::destroy_graph(exec_);
    exec_ = std::exchange(other.exec_, nullptr);
  }
  return *this;
}

CudaGraph CudaGraph::capture(Stream stream, const std::function<void()>& work) {
  GYRE_CHECK(stream.device().is_cuda() && stream.handle() != nullptr, InvalidArgumentError,
             "CudaGraph::capture needs a CUDA stream of its own (not the default stream), got ",
             stream.device(), stream.handle() == nullptr ? " default stream" : "");
  cuda_backend::begin_capture(stream.handle());
  try {
    work();
  } catch (...) {
    cuda_backend::destroy_graph(cuda_backend::end_capture(stream.handle()));
    throw;
  }
  CudaGraph graph;
  graph.exec_ = cuda_backend::end_capture(stream.handle());
  return graph;
}

void CudaGraph::replay(Stream stream) const {
  GYRE_CHECK(exec_ != nullptr, InvalidArgumentError, "CudaGraph::replay on an empty graph");
  cuda_backend::launch_graph(exec_, stream.handle());
}

}  // namespace gyre
