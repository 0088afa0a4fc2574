#include "tests/parallel/communicator_contract.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/stream.h"
#include "runtime/tensor_copy.h"

namespace gyre::testing {
namespace {
void expect(bool condition, const std::string& what) {
  if (!condition) throw std::logic_error("communicator contract: " + what);
}
}  // namespace

// Throws std::logic_error on a broken promise (Catch2 assertions are not thread-safe; the
// threaded caller checks the exceptions).
void check_communicator_contract(parallel::Communicator& communicator, Device device) {
  const int rank = communicator.rank(), size = communicator.size();
  expect(rank >= 0 && rank < size, "rank in [0, size)");
  const std::int64_t count = 1001;  // not a multiple of any member count
  std::vector<float> values(static_cast<std::size_t>(count));
  const Tensor host = Tensor::wrap(values.data(), {count}, DType::f32);
  const Tensor buffer =
      device.is_cpu() ? host : Tensor::empty_detached({count}, DType::f32, device);
  auto fill = [&] {
    for (std::int64_t i = 0; i < count; ++i)
      values[static_cast<std::size_t>(i)] =
          static_cast<float>(rank) + 0.5f * static_cast<float>(i % 7);
    if (device.is_accelerator()) copy_tensor(host, buffer);
  };
  auto read_back = [&] {
    if (device.is_cpu()) return;
    copy_tensor(buffer, host);
    Stream::current(device).synchronize();
  };
  const float mean_rank = static_cast<float>(size - 1) / 2.0f;
  fill();
  expect(communicator.average(buffer) == size, "average() counts every contributor");
  read_back();
  for (std::int64_t i = 0; i < count; ++i)
    expect(values[static_cast<std::size_t>(i)] == mean_rank + 0.5f * static_cast<float>(i % 7),
           "average is the element-wise mean at " + std::to_string(i));
  fill();
  communicator.all_reduce_sum(buffer);
  read_back();
  for (std::int64_t i = 0; i < count; ++i)
    expect(values[static_cast<std::size_t>(i)] ==
               static_cast<float>(size * (size - 1) / 2) +
                   static_cast<float>(size) * 0.5f * static_cast<float>(i % 7),
           "all_reduce_sum is the element-wise sum at " + std::to_string(i));
  // Only rank 0 contributes: everyone gets rank 0's values.
  fill();
  expect(communicator.average(buffer, rank == 0) == 1, "average() counts one contributor");
  read_back();
  for (std::int64_t i = 0; i < count; ++i)
    expect(values[static_cast<std::size_t>(i)] == 0.5f * static_cast<float>(i % 7),
           "a non-contributor receives the contributors' mean");
  fill();
  bool refused = false;
  try {
    communicator.average(buffer, false);
  } catch (const parallel::ParallelError&) {
    refused = true;
  }
  expect(refused, "average() with no contributor throws ParallelError");
  // ... and leaves every buffer as it was (no division by a zero count in place).
  read_back();
  for (std::int64_t i = 0; i < count; ++i)
    expect(values[static_cast<std::size_t>(i)] ==
               static_cast<float>(rank) + 0.5f * static_cast<float>(i % 7),
           "a refused average leaves the buffer unchanged at " + std::to_string(i));
}

}  // namespace gyre::testing
