// [cuda] ParallelWrapper with replicas on the GPU: averaged SGD equals one CPU network on
// the concatenated batch (NCCL when each worker has its own GPU, host mirrors otherwise).
#include <catch2/catch.hpp>

#include "nn/in_memory_iterator.h"
#include "parallel/parallel_wrapper.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::nn;
using namespace gyre::parallel;

TEST_CASE("GPU workers train as one CPU network on the concatenated batch", "[cuda][parallel]") {
  UpdaterConfig sgd;
  sgd.type = "sgd";
  sgd.learning_rate = 0.1f;
  const NetworkConfig config =
      NetworkBuilder().input({6}).dense(5, "tanh").output(3).updater(sgd).seed(9).build();
  const Tensor features = testing::random_tensor({40, 6}, 11);
  Tensor labels = Tensor::empty_detached({40, 3});
  for (int r = 0; r < 40; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = r % 3 == c ? 1.0f : 0.0f;
  }
  const int workers = std::max(2, device_count(DeviceType::cuda));
  Network reference(config);
  InMemoryIterator concatenated(features, labels, 4 * workers, false, 0);
  reference.fit(concatenated, 2);

  Network model(config, Device::cuda(0));
  InMemoryIterator batches(features, labels, 4, false, 0);
  ParallelWrapper::Builder(model).workers(workers).build()->fit(batches, 2);
  testing::require_close(model.parameters(), testing::values_of(reference.parameters()), 1e-4,
                         1e-5);
}
