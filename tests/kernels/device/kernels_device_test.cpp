// [device] kernel tests: the CPU is the oracle. Every case runs the same op on the same
// seeded inputs on the test device (tests/support/test_device.h) and on the CPU and compares
// the results. On sim the device runs the CPU's kernels behind its launch path (the stream's
// executor, the current-device and pointer checks); on CUDA, CUDA's own kernels.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <vector>

#include "kernels/batch_invariance.h"
#include "kernels/ops.h"
#include "runtime/cuda_graph.h"
#include "runtime/stream.h"
#include "runtime/tensor_copy.h"
#include "tests/support/kernel_testing.h"
#include "tests/support/test_device.h"

using namespace gyre;
using namespace gyre::kernels;
using testing::random_tensor;
using testing::values_of;

namespace {
std::vector<Tensor> on_device(const std::vector<Tensor>& tensors) {
  std::vector<Tensor> result;
  for (const Tensor& tensor : tensors) result.push_back(copy_to(tensor, testing::test_device()));
  return result;
}

// Runs `op` on CPU inputs and on their device copies; compares every returned tensor.
void same_on_both(const std::vector<Tensor>& inputs,
                  const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& op,
                  double relative = 1e-4, double absolute = 1e-5) {
  const std::vector<Tensor> expected = op(inputs);
  const std::vector<Tensor> actual = op(on_device(inputs));
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    INFO("result " << i);
    REQUIRE(expected[i].device() == Device::cpu());
    REQUIRE(actual[i].device() == testing::test_device());
    testing::require_close(testing::on_host(actual[i]), values_of(expected[i]), relative, absolute);
  }
}
// The float values of a device tensor, bit for bit.
std::vector<float> host_floats(const Tensor& tensor) {
  const Tensor host = testing::on_host(tensor);
  return std::vector<float>(host.data<float>(), host.data<float>() + host.numel());
}
}  // namespace

TEST_CASE("device gemm equals the CPU's", "[device][kernels]") {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const Tensor a = random_tensor(ta ? Shape{65, 33} : Shape{33, 65}, 1),
                   b = random_tensor(tb ? Shape{17, 65} : Shape{65, 17}, 2);
      same_on_both({a, b, random_tensor({33, 17}, 3)}, [&](const std::vector<Tensor>& in) {
        Tensor c = copy_to(in[2], in[2].device());
        gemm(in[0], in[1], ta, tb, 0.5f, 1.5f, c);
        return std::vector<Tensor>{gemm(in[0], in[1], ta, tb), c};
      });
    }
  }
  same_on_both({random_tensor({4, 5, 6}, 4), random_tensor({4, 6, 3}, 5)},
               [](const std::vector<Tensor>& in) {
                 return std::vector<Tensor>{gemm_batched(in[0], in[1])};
               });
}

TEST_CASE("device elementwise ops and activations equal the CPU's", "[device][kernels]") {
  const Tensor x = random_tensor({37, 129}, 6, -3.0f, 3.0f),
               positive = random_tensor({37, 129}, 7, 0.1f, 2.0f);
  for (UnaryOp op : {UnaryOp::negate, UnaryOp::exp, UnaryOp::log, UnaryOp::sqrt, UnaryOp::abs,
                     UnaryOp::square, UnaryOp::reciprocal}) {
    same_on_both({positive}, [&](const std::vector<Tensor>& in) {
      return std::vector<Tensor>{unary(op, in[0])};
    });
  }
  for (BinaryOp op : {BinaryOp::add, BinaryOp::subtract, BinaryOp::multiply, BinaryOp::divide,
                      BinaryOp::maximum, BinaryOp::minimum}) {
    same_on_both(
        {x, positive, random_tensor({129}, 8, 0.5f, 1.5f), random_tensor({37, 1}, 9, 0.5f, 1.5f)},
        [&](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{binary(op, in[0], in[1]), binary(op, in[0], in[2]),
                                     binary(op, in[0], in[3])};
        });
  }
  for (Activation activation :
       {Activation::identity, Activation::relu, Activation::leaky_relu, Activation::elu,
        Activation::tanh, Activation::sigmoid, Activation::gelu, Activation::softmax}) {
    INFO(name_of(activation));
    same_on_both({x, random_tensor({37, 129}, 10)}, [&](const std::vector<Tensor>& in) {
      const Tensor y = activation_forward(activation, in[0]);
      return std::vector<Tensor>{y, activation_backward(activation, in[0], y, in[1])};
    });
  }
}

TEST_CASE("device losses and reductions equal the CPU's", "[device][kernels]") {
  std::vector<double> one_hot(64 * 10, 0.0);
  for (int r = 0; r < 64; ++r) one_hot[r * 10 + r % 10] = 1.0;
  same_on_both({random_tensor({64, 10}, 11, -4.0f, 4.0f), testing::tensor_from({64, 10}, one_hot)},
               [](const std::vector<Tensor>& in) {
                 Tensor probabilities;
                 const Tensor loss = softmax_cross_entropy(in[0], in[1], probabilities);
                 return std::vector<Tensor>{loss, probabilities,
                                            softmax_cross_entropy_backward(probabilities, in[1])};
               });
  same_on_both({random_tensor({300, 7}, 12, 0.05f, 0.95f), random_tensor({300, 7}, 13, 0.0f, 1.0f)},
               [](const std::vector<Tensor>& in) {
                 return std::vector<Tensor>{mse_loss(in[0], in[1]), mse_loss_backward(in[0], in[1]),
                                            binary_cross_entropy(in[0], in[1]),
                                            binary_cross_entropy_backward(in[0], in[1])};
               });
  const Tensor x = random_tensor({6, 50, 7}, 14);
  for (Reduction reduction : {Reduction::sum, Reduction::mean, Reduction::max}) {
    same_on_both({x}, [&](const std::vector<Tensor>& in) {
      return std::vector<Tensor>{reduce(reduction, in[0], 0), reduce(reduction, in[0], 1),
                                 reduce(reduction, in[0], 2)};
    });
  }
  same_on_both(
      {x},
      [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{argmax(in[0], 1), argmax(in[0], 2)};
      },
      0.0, 0.0);
}

TEST_CASE("the device draws the same dropout masks and initial weights as the CPU",
          "[device][kernels]") {
  same_on_both(
      {random_tensor({1000, 33}, 15)},
      [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{dropout(in[0], 0.4f, 77, 12345)};
      },
      1e-6, 0.0);
  // The iteration read from device memory (graph-capturable) draws the CPU's mask too.
  same_on_both(
      {random_tensor({1000, 33}, 15)},
      [](const std::vector<Tensor>& in) {
        const Tensor iteration = Tensor::empty_detached(Shape{}, DType::i64, in[0].device());
        fill(iteration, 41.0);
        increment(iteration);
        return std::vector<Tensor>{dropout(in[0], 0.4f, 77, iteration)};
      },
      1e-6, 0.0);
  same_on_both(
      {random_tensor({5000}, 16)},
      [](const std::vector<Tensor>& in) {
        Tensor uniform = copy_to(in[0], in[0].device()), normal = copy_to(in[0], in[0].device());
        fill_uniform(uniform, -1.0f, 2.0f, 99);
        he_normal(normal, 100, 98);
        return std::vector<Tensor>{uniform, normal};
      },
      1e-5, 1e-6);
}

TEST_CASE("device optimizers, casts and fills equal the CPU's", "[device][kernels]") {
  same_on_both({random_tensor({4096}, 17), random_tensor({4096}, 18),
                random_tensor({4096}, 19, 0.0f, 0.1f), random_tensor({4096}, 20, 0.0f, 0.1f)},
               [](const std::vector<Tensor>& in) {
                 std::vector<Tensor> p;
                 for (const Tensor& t : in) p.push_back(copy_to(t, t.device()));
                 adam_update(p[0], p[1], p[2], p[3], 1e-3f, 3, 0.9f, 0.999f, 1e-8f, 0.01f);
                 // The step read from device memory (graph-capturable): step 4.
                 const Tensor step = Tensor::empty_detached(Shape{}, DType::i64, p[0].device());
                 fill(step, 3.0);
                 increment(step);
                 adam_update(p[0], p[1], p[2], p[3], 1e-3f, step, 0.9f, 0.999f, 1e-8f, 0.01f);
                 Tensor velocity = copy_to(in[2], in[2].device()),
                        sgd = copy_to(in[0], in[0].device());
                 momentum_update(sgd, in[1], velocity, 0.1f, 0.9f, true);
                 return std::vector<Tensor>{p[0], p[2], p[3], sgd, velocity};
               });
  same_on_both(
      {random_tensor({300}, 21, -100.0f, 100.0f)},
      [](const std::vector<Tensor>& in) {
        Tensor filled = copy_to(in[0], in[0].device());
        fill(filled, 2.5);
        return std::vector<Tensor>{cast(in[0], DType::f64), cast(in[0], DType::i32), filled};
      },
      1e-6, 0.0);
  // f16 and bf16 exist on CUDA only: a round trip keeps values within their precision.
  if (testing::device_kind() == DeviceType::cuda) {
    const Tensor host = random_tensor({100}, 22);
    const Tensor x = copy_to(host, testing::test_device());
    testing::require_close(testing::on_host(cast(cast(x, DType::f16), DType::f32)), values_of(host),
                           1e-3, 1e-3);
    testing::require_close(testing::on_host(cast(cast(x, DType::bf16), DType::f32)),
                           values_of(host), 1e-2, 1e-2);
  }
}

TEST_CASE("device copy_axis_range (merge and subset) equals the CPU's", "[device][kernels]") {
  same_on_both(
      {random_tensor({4, 3, 5}, 41), random_tensor({4, 7, 5}, 42)},
      [](const std::vector<Tensor>& in) {
        Tensor merged = copy_to(in[1], in[1].device());
        copy_axis_range(in[0], 1, 0, merged, 2, 3);
        Tensor part = Tensor::empty_detached({4, 2, 5}, DType::f32, in[0].device());
        copy_axis_range(in[1], 1, 4, part, 0, 2);
        return std::vector<Tensor>{merged, part};
      },
      0.0, 0.0);
}

TEST_CASE("device LSTM cells and transpose_01 equal the CPU's", "[device][kernels]") {
  Tensor mask = Tensor::empty_detached({5, 3});
  for (int r = 0; r < 15; ++r) mask.data<float>()[r] = r % 4 != 0;
  same_on_both({random_tensor({5, 28}, 51, -2.0f, 2.0f), random_tensor({5, 7}, 52),
                random_tensor({5, 7}, 53), random_tensor({5, 7}, 54), mask},
               [](const std::vector<Tensor>& in) {
                 const Device on = in[0].device();
                 Tensor gates = copy_to(in[0], on), dc = copy_to(in[3], on);
                 Tensor c = Tensor::empty_detached({5, 7}, DType::f32, on),
                        h = Tensor::empty_detached({5, 7}, DType::f32, on),
                        dz = Tensor::empty_detached({5, 28}, DType::f32, on);
                 lstm_cell_forward(gates, in[1], c, h, in[4], 2);
                 lstm_cell_backward(gates, in[1], c, in[2], dc, dz, in[4], 2);
                 Tensor swapped = Tensor::empty_detached({7, 5, 4}, DType::f32, on);
                 fill(swapped, 0.0);
                 transpose_01(in[2].reshape({5, 7, 1}), 0, swapped, 1, 1);
                 return std::vector<Tensor>{gates, c, h, dz, dc, swapped};
               });
}

TEST_CASE("device GRU cells equal the CPU's", "[device][kernels]") {
  Tensor mask = Tensor::empty_detached({5, 3});
  for (int r = 0; r < 15; ++r) mask.data<float>()[r] = r % 4 != 0;  // row 2 absent at step 2
  same_on_both({random_tensor({5, 21}, 61, -2.0f, 2.0f), random_tensor({5, 21}, 62, -2.0f, 2.0f),
                random_tensor({5, 7}, 63), random_tensor({5, 7}, 64), mask},
               [](const std::vector<Tensor>& in) {
                 const Device on = in[0].device();
                 Tensor gates = copy_to(in[0], on);
                 Tensor h = Tensor::empty_detached({5, 7}, DType::f32, on),
                        d_gates = Tensor::empty_detached({5, 21}, DType::f32, on),
                        d_hidden = Tensor::empty_detached({5, 21}, DType::f32, on),
                        dh_prev = Tensor::empty_detached({5, 7}, DType::f32, on);
                 gru_cell_forward(gates, in[1], in[2], h, in[4], 2);
                 gru_cell_backward(gates, in[1], in[2], in[3], d_gates, d_hidden, dh_prev, in[4],
                                   2);
                 return std::vector<Tensor>{gates, h, d_gates, d_hidden, dh_prev};
               });
}

TEST_CASE("device gather_rows and scatter_add_rows equal the CPU's; a bad id reads zeros",
          "[device][kernels]") {
  Tensor ids = Tensor::empty_detached({9});
  const float values[9] = {4, 0, 2, 4, 4, 1, 0, 3, 2};
  std::copy(values, values + 9, ids.data<float>());
  same_on_both({random_tensor({5, 6}, 81), ids, random_tensor({9, 6}, 82)},
               [](const std::vector<Tensor>& in) {
                 Tensor dtable = Tensor::empty_detached({5, 6}, DType::f32, in[0].device());
                 scatter_add_rows(in[2], in[1], dtable);
                 return std::vector<Tensor>{gather_rows(in[0], in[1]), dtable};
               });
  // On a device the ids are not read on the host: a bad id gives a zero row, no gradient.
  ids.data<float>()[2] = 5.0f;
  ids.data<float>()[7] = 1.5f;
  const Device device = testing::test_device();
  const Tensor table = random_tensor({5, 6}, 83);
  const Tensor on_device_ids = copy_to(ids, device);
  const std::vector<float> y = host_floats(gather_rows(copy_to(table, device), on_device_ids));
  for (std::size_t r : {2u, 7u})
    for (std::size_t c = 0; c < 6; ++c) CHECK(y[r * 6 + c] == 0.0f);
  CHECK(y[0] == table.data<float>()[4 * 6]);
  Tensor dtable = Tensor::empty_detached({5, 6}, DType::f32, device);
  Tensor ones = Tensor::empty_detached({9, 6}, DType::f32, device);
  fill(ones, 1.0);
  scatter_add_rows(ones, on_device_ids, dtable);
  const std::vector<float> counts = host_floats(dtable);
  const float expected[5] = {2, 1, 1, 0, 3};  // ids 5 and 1.5 skipped, 3 replaced
  for (std::size_t row = 0; row < 5; ++row) CHECK(counts[row * 6] == expected[row]);
}

TEST_CASE("device convolution, pooling and batch norm equal the CPU's", "[device][kernels]") {
  const Conv2dOptions conv{2, 1, 1, 2};
  same_on_both(
      {random_tensor({4, 3, 17, 13}, 23), random_tensor({6, 3, 5, 3}, 24)},
      [&](const std::vector<Tensor>& in) {
        const Tensor y = conv2d_forward(in[0], in[1], conv);
        const Tensor dy = copy_to(random_tensor(y.shape(), 25), y.device());
        return std::vector<Tensor>{y, conv2d_backward_data(in[1], dy, in[0].shape(), conv),
                                   conv2d_backward_filter(in[0], dy, in[1].shape(), conv)};
      },
      1e-4, 1e-4);
  for (Pooling pooling : {Pooling::max, Pooling::average}) {
    same_on_both({random_tensor({3, 4, 11, 9}, 26)}, [&](const std::vector<Tensor>& in) {
      const Pool2dOptions options{3, 3, 2, 2, 1, 1};
      const Tensor y = pool2d_forward(pooling, in[0], options);
      const Tensor dy = copy_to(random_tensor(y.shape(), 27), y.device());
      return std::vector<Tensor>{y, pool2d_backward(pooling, in[0], y, dy, options)};
    });
  }
  same_on_both(
      {random_tensor({8, 5, 6, 6}, 28), random_tensor({5}, 29, 0.5f, 1.5f), random_tensor({5}, 30)},
      [](const std::vector<Tensor>& in) {
        const Device device = in[0].device();
        BatchNormState state;
        state.gamma = in[1];
        state.beta = in[2];
        state.running_mean = Tensor::empty({5}, DType::f32, device);
        state.running_variance = Tensor::empty({5}, DType::f32, device);
        state.saved_mean = Tensor::empty({5}, DType::f32, device);
        state.saved_inverse_std = Tensor::empty({5}, DType::f32, device);
        fill(state.running_mean, 0.0);
        fill(state.running_variance, 1.0);
        const Tensor y = batch_norm_forward(in[0], state, true);
        const Tensor dy = copy_to(random_tensor(y.shape(), 31), device);
        const Tensor dgamma = Tensor::empty({5}, DType::f32, device),
                     dbeta = Tensor::empty({5}, DType::f32, device);
        const Tensor dx = batch_norm_backward(in[0], dy, state, dgamma, dbeta);
        return std::vector<Tensor>{y,
                                   state.running_mean,
                                   state.running_variance,
                                   dx,
                                   dgamma,
                                   dbeta,
                                   batch_norm_forward(in[0], state, false)};
      },
      1e-4, 1e-4);
}

TEST_CASE("device channel bias add and channel sum equal the CPU's", "[device][kernels]") {
  same_on_both({random_tensor({4, 6, 5, 3}, 32), random_tensor({6}, 33)},
               [](const std::vector<Tensor>& in) {
                 return std::vector<Tensor>{channel_bias_add(in[0], in[1]), channel_sum(in[0])};
               });
}

// Batch invariance on the device. cuBLAS picks its kernel by shape, so
// unless the rows go in blocks of one shape, a row's bits depend on its batch.
TEST_CASE("under a BatchInvariantScope a device GEMM row has the same bits at any batch size",
          "[device][kernels]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  for (auto [k, n] : {std::pair<std::int64_t, std::int64_t>{784, 256}, {128, 10}}) {
    INFO("k " << k << ", n " << n);
    const Tensor weights = copy_to(random_tensor({k, n}, 3), device);
    const Tensor rows = copy_to(random_tensor({37, k}, 4), device);  // not whole blocks
    const BatchInvariantScope invariant;
    const std::vector<float> all = host_floats(gemm(rows, weights));
    for (std::int64_t first : {0, 5, 13, 36}) {
      for (std::int64_t count : {1, 3, 8}) {
        if (first + count > 37) continue;
        const std::vector<float> some =
            host_floats(gemm(rows.slice(0, first, first + count), weights));
        for (std::int64_t r = 0; r < count; ++r) {
          INFO("row " << first + r << " of a call of " << count);
          CHECK(std::memcmp(some.data() + r * n, all.data() + (first + r) * n,
                            static_cast<std::size_t>(n) * sizeof(float)) == 0);
        }
      }
    }
  }
}

// A GEMM captured into a graph on a stream that ran it eagerly (so its
// library workspace exists) replays to the eager bits.
TEST_CASE("a device GEMM captured into a graph replays to the eager bits", "[device][kernels]") {
  const Device device = testing::test_device();
  const DeviceGuard on_device(device);
  OwnedStream stream(device);
  const StreamGuard on_stream(stream);
  const Tensor a = copy_to(random_tensor({64, 96}, 5), device);
  const Tensor b = copy_to(random_tensor({96, 48}, 6), device);
  const Tensor eager = gemm(a, b);
  const Tensor out = Tensor::empty_detached({64, 48}, DType::f32, device);
  CudaGraph graph = CudaGraph::capture(stream, [&] { gemm(a, b, false, false, 1.0f, 0.0f, out); });
  REQUIRE_FALSE(graph.empty());
  graph.replay(stream);
  const std::vector<float> expected = host_floats(eager), replayed = host_floats(out);
  CHECK(std::memcmp(expected.data(), replayed.data(), expected.size() * sizeof(float)) == 0);
}
