#include <catch2/catch.hpp>
#include <cmath>

#include "kernels/batch_invariance.h"
#include "kernels/ops.h"
#include "runtime/error.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::kernels;
using testing::random_tensor;
using testing::values_of;

namespace {
// Direct convolution in double: y[n,o,oy,ox] = Σ x[n,c,oy*s-p+i,ox*s-p+j] w[o,c,i,j].
std::vector<double> reference_conv(const std::vector<double>& x, const std::vector<double>& w,
                                   int n, int c, int h, int wd, int o, int kh, int kw, int s,
                                   int p) {
  const int oh = (h + 2 * p - kh) / s + 1, ow = (wd + 2 * p - kw) / s + 1;
  std::vector<double> y(static_cast<std::size_t>(n * o * oh * ow), 0.0);
  for (int b = 0; b < n; ++b)
    for (int f = 0; f < o; ++f)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          double total = 0.0;
          for (int ch = 0; ch < c; ++ch)
            for (int i = 0; i < kh; ++i)
              for (int j = 0; j < kw; ++j) {
                const int yy = oy * s - p + i, xx = ox * s - p + j;
                if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                total += x[((b * c + ch) * h + yy) * wd + xx] * w[((f * c + ch) * kh + i) * kw + j];
              }
          y[((b * o + f) * oh + oy) * ow + ox] = total;
        }
  return y;
}
}  // namespace

TEST_CASE("conv2d forward matches a direct float64 convolution", "[kernels][conv]") {
  for (int stride : {1, 2}) {
    for (int pad : {0, 1}) {
      INFO("stride " << stride << ", pad " << pad);
      const Tensor x = random_tensor({2, 3, 9, 8}, 91), w = random_tensor({4, 3, 3, 3}, 92);
      const Conv2dOptions options{stride, stride, pad, pad};
      testing::require_close(
          conv2d_forward(x, w, options),
          reference_conv(values_of(x), values_of(w), 2, 3, 9, 8, 4, 3, 3, stride, pad), 1e-5, 1e-5);
    }
  }
}

TEST_CASE("conv2d backward data and filter agree with finite differences",
          "[kernels][conv][gradient]") {
  const Conv2dOptions options{2, 1, 1, 0};
  const Tensor x = random_tensor({2, 2, 6, 5}, 93), w = random_tensor({3, 2, 3, 2}, 94);
  const Tensor y = conv2d_forward(x, w, options);
  const Tensor weights = random_tensor(y.shape(), 95);
  const auto wv = values_of(weights);
  const Tensor dx = conv2d_backward_data(w, weights, x.shape(), options);
  const Tensor dw = conv2d_backward_filter(x, weights, w.shape(), options);
  testing::require_close(dx,
                         testing::numeric_gradient(
                             x,
                             [&](const Tensor& probe) {
                               return testing::weighted_sum(conv2d_forward(probe, w, options), wv);
                             },
                             1e-2),
                         2e-3, 2e-3);
  testing::require_close(dw,
                         testing::numeric_gradient(
                             w,
                             [&](const Tensor& probe) {
                               return testing::weighted_sum(conv2d_forward(x, probe, options), wv);
                             },
                             1e-2),
                         2e-3, 2e-3);
}

TEST_CASE("a batch split into several GEMM groups gives what one image at a time gives",
          "[kernels][conv]") {
  // 2.6 MB of scratch per image: groups of 3 images in the 8 MiB budget, so 3 + 3 + 1.
  const Conv2dOptions options{1, 1, 1, 1};
  const Tensor x = random_tensor({7, 16, 64, 64}, 96), w = random_tensor({16, 16, 3, 3}, 97);
  const Tensor dy = random_tensor({7, 16, 64, 64}, 98);
  auto all = [&] {
    return std::vector<std::vector<double>>{
        values_of(conv2d_forward(x, w, options)),
        values_of(conv2d_backward_data(w, dy, x.shape(), options)),
        values_of(conv2d_backward_filter(x, dy, w.shape(), options))};
  };
  const std::vector<std::vector<double>> grouped = all();
  std::vector<std::vector<double>> alone;
  {
    const BatchInvariantScope one_image_per_gemm;
    alone = all();
  }
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("result " << i << " (forward, backward data, backward filter)");
    testing::require_close(grouped[i], alone[i], 1e-4, 1e-4);
  }
}

TEST_CASE("max and average pooling match float64 and finite differences", "[kernels][pool]") {
  const Tensor x = random_tensor({2, 3, 7, 6}, 96);
  const auto xv = values_of(x);
  for (Pooling pooling : {Pooling::max, Pooling::average}) {
    for (const Pool2dOptions& options :
         {Pool2dOptions{2, 2, 2, 2, 0, 0}, Pool2dOptions{3, 3, 2, 2, 1, 1}}) {
      INFO((pooling == Pooling::max ? "max" : "average") << ", window " << options.kernel_h);
      const Tensor y = pool2d_forward(pooling, x, options);
      const int oh = static_cast<int>(y.shape().dim(2)), ow = static_cast<int>(y.shape().dim(3));
      std::vector<double> expected;
      for (int plane = 0; plane < 6; ++plane)
        for (int oy = 0; oy < oh; ++oy)
          for (int ox = 0; ox < ow; ++ox) {
            double best = -1e300, total = 0.0;
            int count = 0;
            for (int i = 0; i < options.kernel_h; ++i)
              for (int j = 0; j < options.kernel_w; ++j) {
                const int yy =
                    oy * static_cast<int>(options.stride_h) - static_cast<int>(options.pad_h) + i;
                const int xx =
                    ox * static_cast<int>(options.stride_w) - static_cast<int>(options.pad_w) + j;
                if (yy < 0 || yy >= 7 || xx < 0 || xx >= 6) continue;
                const double value = xv[(plane * 7 + yy) * 6 + xx];
                best = std::max(best, value);
                total += value;
                ++count;
              }
            expected.push_back(pooling == Pooling::max ? best : total / count);
          }
      testing::require_close(y, expected, 1e-6, 1e-6);
      const Tensor weights = random_tensor(y.shape(), 97);
      const auto wv = values_of(weights);
      const Tensor dx = pool2d_backward(pooling, x, y, weights, options);
      testing::require_close(dx,
                             testing::numeric_gradient(
                                 x,
                                 [&](const Tensor& probe) {
                                   return testing::weighted_sum(
                                       pool2d_forward(pooling, probe, options), wv);
                                 },
                                 1e-4),
                             1e-2, 2e-3);
    }
  }
}

TEST_CASE("convolution and pooling operand errors", "[kernels][conv][errors]") {
  using Catch::Matchers::Contains;
  const Tensor x = random_tensor({1, 3, 5, 5}, 1);
  CHECK_THROWS_WITH(conv2d_forward(x, random_tensor({2, 4, 3, 3}, 2)), Contains("same C"));
  CHECK_THROWS_WITH(conv2d_forward(x, random_tensor({2, 3, 7, 7}, 2)),
                    Contains("larger than the padded input"));
  CHECK_THROWS_WITH(conv2d_forward(x, random_tensor({2, 3, 3, 3}, 2), Conv2dOptions{0, 1, 0, 0}),
                    Contains("strides (0, 1)"));
  CHECK_THROWS_WITH(pool2d_forward(Pooling::max, random_tensor({3, 5, 5}, 3)),
                    Contains("[N, C, H, W]"));
}
