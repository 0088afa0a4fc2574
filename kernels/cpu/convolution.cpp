// Convolution on the CPU as im2col + OpenBLAS GEMM, one image at a time (the scratch holds
// one image's columns); pooling as direct loops. See docs/design/kernels.md.
#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "kernels/cpu/cpu_backend.h"

namespace gyre::kernels {
namespace {

std::int64_t column_rows(const ConvGeometry& g) {
  return g.in_channels * g.kernel_h * g.kernel_w;
}
std::int64_t column_cols(const ConvGeometry& g) {
  return g.out_height() * g.out_width();
}

// Calls `visit(column_index, input_index_or_-1)` for every element of one image's columns.
template <typename Visit>
void for_each_column_element(const ConvGeometry& g, Visit visit) {
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  for (std::int64_t c = 0; c < g.in_channels; ++c) {
    for (std::int64_t i = 0; i < g.kernel_h; ++i) {
      for (std::int64_t j = 0; j < g.kernel_w; ++j) {
        const std::int64_t row = (c * g.kernel_h + i) * g.kernel_w + j;
        for (std::int64_t oy = 0; oy < out_h; ++oy) {
          const std::int64_t y = oy * g.stride_h - g.pad_h + i;
          for (std::int64_t ox = 0; ox < out_w; ++ox) {
            const std::int64_t x = ox * g.stride_w - g.pad_w + j;
            const bool inside = y >= 0 && y < g.height && x >= 0 && x < g.width;
            visit(row * out_h * out_w + oy * out_w + ox,
                  inside ? (c * g.height + y) * g.width + x : -1);
          }
        }
      }
    }
  }
}

void im2col(const ConvGeometry& g, const float* image, float* columns) {
  for_each_column_element(g, [&](std::int64_t column, std::int64_t input) {
    columns[column] = input >= 0 ? image[input] : 0.0f;
  });
}

void col2im_accumulate(const ConvGeometry& g, const float* columns, float* image) {
  for_each_column_element(g, [&](std::int64_t column, std::int64_t input) {
    if (input >= 0) image[input] += columns[column];
  });
}

void sgemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
           const float* a, const float* b, float beta, float* c) {
  cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
              transpose_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a,
              static_cast<blasint>(transpose_a ? m : k), b,
              static_cast<blasint>(transpose_b ? k : n), beta, c, static_cast<blasint>(n));
}

}  // namespace

std::size_t CpuBackend::convolution_scratch_bytes(const ConvGeometry& g, Stream) {
  return static_cast<std::size_t>(column_rows(g) * column_cols(g)) * sizeof(float);
}

void CpuBackend::convolution_forward(const ConvGeometry& g, const float* x, const float* w,
                                     float* y, void* scratch, Stream) {
  auto* columns = static_cast<float*>(scratch);
  const std::int64_t image = g.in_channels * g.height * g.width,
                     output = g.out_channels * column_cols(g);
  for (std::int64_t n = 0; n < g.batch; ++n) {
    im2col(g, x + n * image, columns);
    sgemm(false, false, g.out_channels, column_cols(g), column_rows(g), w, columns, 0.0f,
          y + n * output);
  }
}

void CpuBackend::convolution_backward_data(const ConvGeometry& g, const float* w, const float* dy,
                                           float* dx, void* scratch, Stream) {
  auto* columns = static_cast<float*>(scratch);
  const std::int64_t image = g.in_channels * g.height * g.width,
                     output = g.out_channels * column_cols(g);
  std::memset(dx, 0, static_cast<std::size_t>(g.batch * image) * sizeof(float));
  for (std::int64_t n = 0; n < g.batch; ++n) {
    sgemm(true, false, column_rows(g), column_cols(g), g.out_channels, w, dy + n * output, 0.0f,
          columns);
    col2im_accumulate(g, columns, dx + n * image);
  }
}

void CpuBackend::convolution_backward_filter(const ConvGeometry& g, const float* x, const float* dy,
                                             float* dw, void* scratch, Stream) {
  auto* columns = static_cast<float*>(scratch);
  const std::int64_t image = g.in_channels * g.height * g.width,
                     output = g.out_channels * column_cols(g);
  for (std::int64_t n = 0; n < g.batch; ++n) {
    im2col(g, x + n * image, columns);
    sgemm(false, true, g.out_channels, column_rows(g), column_cols(g), dy + n * output, columns,
          n == 0 ? 0.0f : 1.0f, dw);
  }
}

namespace {
// Calls `visit(output_index, first_input_y, first_input_x, window_h, window_w, plane)` per
// output element; windows are clipped to the image (padding is never averaged in).
template <typename Visit>
void for_each_window(const ConvGeometry& g, Visit visit) {
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  for (std::int64_t plane = 0; plane < g.batch * g.in_channels; ++plane) {
    for (std::int64_t oy = 0; oy < out_h; ++oy) {
      const std::int64_t y0 = std::max<std::int64_t>(oy * g.stride_h - g.pad_h, 0);
      const std::int64_t y1 = std::min(oy * g.stride_h - g.pad_h + g.kernel_h, g.height);
      for (std::int64_t ox = 0; ox < out_w; ++ox) {
        const std::int64_t x0 = std::max<std::int64_t>(ox * g.stride_w - g.pad_w, 0);
        const std::int64_t x1 = std::min(ox * g.stride_w - g.pad_w + g.kernel_w, g.width);
        visit((plane * out_h + oy) * out_w + ox, plane * g.height * g.width, y0, y1, x0, x1);
      }
    }
  }
}
}  // namespace

void CpuBackend::pooling_forward(Pooling pooling, const ConvGeometry& g, const float* x, float* y,
                                 Stream) {
  for_each_window(g, [&](std::int64_t out, std::int64_t plane, std::int64_t y0, std::int64_t y1,
                         std::int64_t x0, std::int64_t x1) {
    float best = -std::numeric_limits<float>::infinity();
    double total = 0.0;
    for (std::int64_t r = y0; r < y1; ++r) {
      for (std::int64_t c = x0; c < x1; ++c) {
        const float value = x[plane + r * g.width + c];
        best = std::max(best, value);
        total += value;
      }
    }
    const auto count = static_cast<double>((y1 - y0) * (x1 - x0));
    y[out] = pooling == Pooling::max ? best : static_cast<float>(total / count);
  });
}

void CpuBackend::pooling_backward(Pooling pooling, const ConvGeometry& g, const float* x,
                                  const float* y, const float* dy, float* dx, Stream) {
  std::memset(
      dx, 0,
      static_cast<std::size_t>(g.batch * g.in_channels * g.height * g.width) * sizeof(float));
  for_each_window(g, [&](std::int64_t out, std::int64_t plane, std::int64_t y0, std::int64_t y1,
                         std::int64_t x0, std::int64_t x1) {
    if (pooling == Pooling::average) {
      const float share = dy[out] / static_cast<float>((y1 - y0) * (x1 - x0));
      for (std::int64_t r = y0; r < y1; ++r) {
        for (std::int64_t c = x0; c < x1; ++c) dx[plane + r * g.width + c] += share;
      }
      return;
    }
    for (std::int64_t r = y0; r < y1; ++r) {  // the gradient goes to the first maximum
      for (std::int64_t c = x0; c < x1; ++c) {
        if (x[plane + r * g.width + c] == y[out]) {
          dx[plane + r * g.width + c] += dy[out];
          return;
        }
      }
    }
  });
}

}  // namespace gyre::kernels
