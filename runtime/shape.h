#pragma once
// Shape: up to 8 dimensions and their strides (in elements), stored inline so that a
// Shape never touches the heap.
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>

namespace gyre {

class Shape {
 public:
  static constexpr int kMaxRank = 8;

  /// A scalar (rank 0, one element).
  Shape() = default;
  /// Contiguous row-major shape. Throws InvalidArgumentError for a negative dimension or
  /// more than kMaxRank dimensions, naming them.
  Shape(std::initializer_list<std::int64_t> dims);
  Shape(const std::int64_t* dims, int rank);
  /// Explicit strides (for views); validated like the dims.
  static Shape strided(const std::int64_t* dims, const std::int64_t* strides, int rank);

  int rank() const { return rank_; }
  std::int64_t dim(int axis) const;
  std::int64_t stride(int axis) const;
  const std::int64_t* dims() const { return dims_; }
  const std::int64_t* strides() const { return strides_; }
  std::int64_t numel() const;
  bool is_contiguous() const;
  /// One past the largest element offset a view with these strides can reach.
  std::int64_t storage_extent() const;

  /// The same dims with row-major strides.
  Shape contiguous() const;
  /// Axes a and b swapped (dims and strides): a view, no data moves.
  Shape transposed(int a, int b) const;
  /// The same elements seen with other dims; requires a contiguous shape and equal numel.
  Shape reshaped(std::initializer_list<std::int64_t> dims) const;
  Shape reshaped(const Shape& dims) const;

  /// Dims only ("[64, 256]"); strides are shown only when not contiguous.
  std::string to_string() const;

  /// Equal when dims match (strides are layout, compared by same_layout()).
  friend bool operator==(const Shape& a, const Shape& b);
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }
  bool same_layout(const Shape& other) const;

 private:
  void set_dims(const std::int64_t* dims, int rank);
  int normalize_axis(int axis) const;

  int rank_ = 0;
  std::int64_t dims_[kMaxRank] = {};
  std::int64_t strides_[kMaxRank] = {};
};

std::ostream& operator<<(std::ostream& out, const Shape& shape);

}  // namespace gyre
