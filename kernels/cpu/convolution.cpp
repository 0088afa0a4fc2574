// Convolution on the CPU as im2col + OpenBLAS GEMM over groups of images side by side (one
// GEMM per group rather than a small one per image; ConvGeometry::images_per_gemm, 1 under
// batch invariance); pooling as direct loops. See docs/design/kernels.md.
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

// The output columns ox of one kernel offset j whose input column ox·stride − pad + j lies
// inside the image: [begin, end).
struct ValidRange {
  std::int64_t begin, end;
};
ValidRange valid_outputs(std::int64_t offset, std::int64_t stride, std::int64_t pad,
                         std::int64_t size, std::int64_t outputs) {
  const std::int64_t low = pad - offset, high = size - 1 + pad - offset;
  if (high < 0) return {0, 0};
  const std::int64_t begin = low <= 0 ? 0 : (low + stride - 1) / stride;
  const std::int64_t end = std::min(outputs, high / stride + 1);
  return {std::min(begin, end), end};
}

// Calls `visit(row, position, input_row, range, first_input)` for each kernel offset (c, i, j)
// (the columns' row) and output row oy (columns from position = oy·OW): columns [range) of it
// read input_row[first_input + (ox − range.begin) · stride]; input_row is null when the whole
// row lies in the padding. Rows rather than elements, so the inner loops are copies and adds
// the compiler vectorizes. Pixel: float (col2im writes the image) or const float.
template <typename Pixel, typename Visit>
void for_each_column_row(const ConvGeometry& g, Pixel* image, Visit visit) {
  const std::int64_t out_h = g.out_height(), out_w = g.out_width();
  for (std::int64_t c = 0; c < g.in_channels; ++c)
    for (std::int64_t i = 0; i < g.kernel_h; ++i)
      for (std::int64_t j = 0; j < g.kernel_w; ++j) {
        const std::int64_t row = (c * g.kernel_h + i) * g.kernel_w + j;
        const ValidRange range = valid_outputs(j, g.stride_w, g.pad_w, g.width, out_w);
        for (std::int64_t oy = 0; oy < out_h; ++oy) {
          const std::int64_t y = oy * g.stride_h - g.pad_h + i;
          const bool inside = y >= 0 && y < g.height;
          visit(row, oy * out_w, inside ? image + (c * g.height + y) * g.width : nullptr, range,
                range.begin * g.stride_w - g.pad_w + j);
        }
      }
}

// A group of `count` images lies side by side: columns [K, count·HW] (image i at column
// i·HW) and outputs staged as [O, count·HW].
void im2col(const ConvGeometry& g, const float* images, std::int64_t count, float* columns) {
  const std::int64_t hw = column_cols(g), out_w = g.out_width(), stride = g.stride_w;
  const std::int64_t image = g.in_channels * g.height * g.width;
  for (std::int64_t n = 0; n < count; ++n) {
    for_each_column_row(g, images + n * image,
                        [&](std::int64_t row, std::int64_t position, const float* input,
                            ValidRange range, std::int64_t first) {
                          float* out = columns + row * count * hw + n * hw + position;
                          if (input == nullptr) {
                            std::fill(out, out + out_w, 0.0f);
                            return;
                          }
                          std::fill(out, out + range.begin, 0.0f);
                          const float* in = input + first;
                          if (stride == 1) {
                            std::copy(in, in + (range.end - range.begin), out + range.begin);
                          } else {
                            for (std::int64_t ox = range.begin; ox < range.end; ++ox)
                              out[ox] = in[(ox - range.begin) * stride];
                          }
                          std::fill(out + range.end, out + out_w, 0.0f);
                        });
  }
}

void col2im_accumulate(const ConvGeometry& g, const float* columns, std::int64_t count,
                       float* images) {
  const std::int64_t hw = column_cols(g), stride = g.stride_w;
  const std::int64_t image = g.in_channels * g.height * g.width;
  for (std::int64_t n = 0; n < count; ++n) {
    float* target = images + n * image;
    for_each_column_row(g, target,
                        [&](std::int64_t row, std::int64_t position, float* input, ValidRange range,
                            std::int64_t first) {
                          if (input == nullptr) return;
                          const float* in = columns + row * count * hw + n * hw + position;
                          float* out = input + first;
                          for (std::int64_t ox = range.begin; ox < range.end; ++ox)
                            out[(ox - range.begin) * stride] += in[ox];
                        });
  }
}

// NCHW outputs of `count` images <-> staged [O, count·HW].
void stage_outputs(const ConvGeometry& g, const float* nchw, std::int64_t count, float* staged) {
  const std::int64_t hw = column_cols(g);
  for (std::int64_t n = 0; n < count; ++n)
    for (std::int64_t o = 0; o < g.out_channels; ++o)
      std::memcpy(staged + (o * count + n) * hw, nchw + (n * g.out_channels + o) * hw,
                  static_cast<std::size_t>(hw) * sizeof(float));
}

void unstage_outputs(const ConvGeometry& g, const float* staged, std::int64_t count, float* nchw) {
  const std::int64_t hw = column_cols(g);
  for (std::int64_t n = 0; n < count; ++n)
    for (std::int64_t o = 0; o < g.out_channels; ++o)
      std::memcpy(nchw + (n * g.out_channels + o) * hw, staged + (o * count + n) * hw,
                  static_cast<std::size_t>(hw) * sizeof(float));
}

void sgemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
           const float* a, const float* b, float beta, float* c) {
  cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
              transpose_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a,
              static_cast<blasint>(transpose_a ? m : k), b,
              static_cast<blasint>(transpose_b ? k : n), beta, c, static_cast<blasint>(n));
}

// Calls `work(first_image, count)` for each group of at most images_per_gemm images.
template <typename Work>
void for_each_group(const ConvGeometry& g, Work work) {
  const std::int64_t group = std::max<std::int64_t>(g.images_per_gemm, 1);
  for (std::int64_t first = 0; first < g.batch; first += group)
    work(first, std::min(group, g.batch - first));
}

}  // namespace

std::size_t CpuBackend::convolution_scratch_bytes(const ConvGeometry& g, Stream) {
  const std::int64_t group = std::min(std::max<std::int64_t>(g.images_per_gemm, 1), g.batch);
  return static_cast<std::size_t>((column_rows(g) + g.out_channels) * group * column_cols(g)) *
         sizeof(float);
}

// Per group: im2col, one GEMM W [O, K] · columns [K, count·HW], the result put back as NCHW.
void CpuBackend::convolution_forward(const ConvGeometry& g, const float* x, const float* w,
                                     float* y, void* scratch, Stream) {
  const std::int64_t image = g.in_channels * g.height * g.width,
                     output = g.out_channels * column_cols(g);
  for_each_group(g, [&](std::int64_t first, std::int64_t count) {
    auto* columns = static_cast<float*>(scratch);
    float* staged = columns + column_rows(g) * count * column_cols(g);
    im2col(g, x + first * image, count, columns);
    sgemm(false, false, g.out_channels, count * column_cols(g), column_rows(g), w, columns, 0.0f,
          staged);
    unstage_outputs(g, staged, count, y + first * output);
  });
}

void CpuBackend::convolution_backward_data(const ConvGeometry& g, const float* w, const float* dy,
                                           float* dx, void* scratch, Stream) {
  const std::int64_t image = g.in_channels * g.height * g.width,
                     output = g.out_channels * column_cols(g);
  std::memset(dx, 0, static_cast<std::size_t>(g.batch * image) * sizeof(float));
  for_each_group(g, [&](std::int64_t first, std::int64_t count) {
    auto* columns = static_cast<float*>(scratch);
    float* staged = columns + column_rows(g) * count * column_cols(g);
    stage_outputs(g, dy + first * output, count, staged);
    sgemm(true, false, column_rows(g), count * column_cols(g), g.out_channels, w, staged, 0.0f,
          columns);
    col2im_accumulate(g, columns, count, dx + first * image);
  });
}

void CpuBackend::convolution_backward_filter(const ConvGeometry& g, const float* x, const float* dy,
                                             float* dw, void* scratch, Stream) {
  const std::int64_t image = g.in_channels * g.height * g.width,
                     output = g.out_channels * column_cols(g);
  for_each_group(g, [&](std::int64_t first, std::int64_t count) {
    auto* columns = static_cast<float*>(scratch);
    float* staged = columns + column_rows(g) * count * column_cols(g);
    im2col(g, x + first * image, count, columns);
    stage_outputs(g, dy + first * output, count, staged);
    sgemm(false, true, g.out_channels, column_rows(g), count * column_cols(g), staged, columns,
          first == 0 ? 0.0f : 1.0f, dw);
  });
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
