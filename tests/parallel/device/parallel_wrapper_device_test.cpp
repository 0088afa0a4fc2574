// [device] ParallelWrapper with replicas on the test device's kind (tests/support/test_device.h),
// one per device: averaged SGD equals one CPU network on the concatenated batch (on CUDA with
// NCCL when each worker has its own GPU; through host mirrors otherwise, as always on sim).
#include <algorithm>
#include <catch2/catch.hpp>

#include "nn/in_memory_iterator.h"
#include "parallel/parallel_wrapper.h"
#include "runtime/stream.h"
#include "runtime/tensor_copy.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/test_device.h"

using namespace gyre;
using namespace gyre::nn;
using namespace gyre::parallel;

namespace {
// A CPU copy of a tensor of any device, once the device's work on it is done (values_of
// copies only CUDA tensors to the host).
Tensor on_host(const Tensor& tensor) {
  if (tensor.device().is_cpu()) return tensor;
  const DeviceGuard on_its_device(tensor.device());
  const Tensor host = Tensor::empty_detached(tensor.shape(), tensor.dtype(), Device::cpu());
  copy_tensor(tensor, host);
  Stream::current(tensor.device()).synchronize();
  return host;
}
}  // namespace

TEST_CASE("device workers train as one CPU network on the concatenated batch",
          "[device][parallel]") {
  const Device device = testing::test_device();
  UpdaterConfig sgd;
  sgd.type = "sgd";
  sgd.learning_rate = 0.1f;
  const NetworkConfig config =
      NetworkBuilder().input({6}).dense(5, "tanh").output(3).updater(sgd).seed(9).build();
  const Tensor features = testing::random_tensor({40, 6}, 11);
  Tensor labels = Tensor::empty_detached({40, 3}, DType::f32, Device::cpu());
  for (int r = 0; r < 40; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c ? 1.0f : 0.0f;
  }
  if (testing::test_device_count() < 2)
    WARN("one " << name_of(testing::device_kind()) << " device: the replicas share it");
  const int workers = std::max(2, testing::test_device_count());
  Network reference(config);
  InMemoryIterator concatenated(features, labels, 4 * workers, false, 0);
  const std::vector<double> initial = testing::values_of(reference.parameters());
  reference.fit(concatenated, 2);
  const std::vector<double> trained = testing::values_of(reference.parameters());
  CHECK(trained != initial);

  Network model(config, device);
  InMemoryIterator batches(features, labels, 4, false, 0);
  ParallelWrapper::Builder(model).workers(workers).build()->fit(batches, 2);
  CHECK(model.device() == device);
  testing::require_close(on_host(model.parameters()), trained, 1e-4, 1e-5);
}
