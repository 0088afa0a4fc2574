// The CPU-only build: NCCL needs the CUDA variant.
#include "parallel/nccl_communicator.h"

namespace gyre::parallel {
namespace {
[[noreturn]] void unavailable() {
  throw NotAvailableError(
      "NCCL is part of the CUDA variant of Gyre; build it with tools/build.sh cuda");
}
}  // namespace

bool NcclCommunicator::available() {
  return false;
}
std::vector<std::unique_ptr<NcclCommunicator>> NcclCommunicator::create_group(
    const std::vector<Device>&) {
  unavailable();
}
std::unique_ptr<NcclCommunicator> NcclCommunicator::create_across(MpiCommunicator&, Device) {
  unavailable();
}
struct NcclCommunicator::Clique {};
NcclCommunicator::NcclCommunicator(std::shared_ptr<Clique> clique, void* comm, int rank, int size,
                                   Device device)
    : clique_(std::move(clique)), comm_(comm), rank_(rank), size_(size), device_(device) {}
NcclCommunicator::~NcclCommunicator() = default;
int NcclCommunicator::average(const Tensor&, bool) {
  unavailable();
}
void NcclCommunicator::all_reduce_sum(const Tensor&) {
  unavailable();
}
void NcclCommunicator::abort() noexcept {}

}  // namespace gyre::parallel
