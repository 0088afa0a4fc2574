#include "runtime/shape.h"

#include <algorithm>
#include <ostream>
#include <sstream>
#include <utility>

#include "runtime/error.h"

namespace gyre {
namespace {
std::string list_text(const std::int64_t* values, int count) {
  std::ostringstream out;
  out << '[';
  for (int i = 0; i < count; ++i) out << (i ? ", " : "") << values[i];
  out << ']';
  return out.str();
}
}  // namespace

Shape::Shape(std::initializer_list<std::int64_t> dims) {
  set_dims(dims.begin(), static_cast<int>(dims.size()));
}

Shape::Shape(const std::int64_t* dims, int rank) {
  set_dims(dims, rank);
}

void Shape::set_dims(const std::int64_t* dims, int rank) {
  GYRE_CHECK(rank >= 0 && rank <= kMaxRank, InvalidArgumentError, "shape ",
             list_text(dims, rank < 0 ? 0 : rank), " has rank ", rank, "; Gyre supports at most ",
             kMaxRank, " dimensions");
  for (int i = 0; i < rank; ++i) {
    GYRE_CHECK(dims[i] >= 0, InvalidArgumentError, "shape ", list_text(dims, rank),
               " has a negative dimension ", dims[i], " at axis ", i);
  }
  rank_ = rank;
  std::int64_t stride = 1;
  std::int64_t bound = 1;  // the product of the dims counting 0 as 1: stride never exceeds it
  for (int i = rank - 1; i >= 0; --i) {
    // A shape read from a file may claim more elements than any index can hold.
    GYRE_CHECK(!__builtin_mul_overflow(bound, std::max<std::int64_t>(dims[i], 1), &bound),
               InvalidArgumentError, "shape ", list_text(dims, rank),
               " has more elements than a 64-bit index can count");
    dims_[i] = dims[i];
    strides_[i] = stride;
    stride *= dims[i];
  }
}

Shape Shape::strided(const std::int64_t* dims, const std::int64_t* strides, int rank) {
  Shape shape(dims, rank);
  for (int i = 0; i < rank; ++i) {
    GYRE_CHECK(strides[i] >= 0, InvalidArgumentError, "shape ", list_text(dims, rank),
               " has a negative stride ", strides[i], " at axis ", i);
    shape.strides_[i] = strides[i];
  }
  return shape;
}

int Shape::normalize_axis(int axis) const {
  const int normalized = axis < 0 ? axis + rank_ : axis;
  GYRE_CHECK(normalized >= 0 && normalized < rank_, InvalidArgumentError, "axis ", axis,
             " is out of range for shape ", to_string(), " of rank ", rank_);
  return normalized;
}

std::int64_t Shape::dim(int axis) const {
  return dims_[normalize_axis(axis)];
}
std::int64_t Shape::stride(int axis) const {
  return strides_[normalize_axis(axis)];
}

std::int64_t Shape::numel() const {
  std::int64_t count = 1;
  for (int i = 0; i < rank_; ++i) count *= dims_[i];
  return count;
}

bool Shape::is_contiguous() const {
  std::int64_t expected = 1;
  for (int i = rank_ - 1; i >= 0; --i) {
    if (dims_[i] != 1 && strides_[i] != expected) return false;
    expected *= dims_[i];
  }
  return true;
}

std::int64_t Shape::storage_extent() const {
  if (numel() == 0) return 0;
  std::int64_t extent = 1;
  for (int i = 0; i < rank_; ++i) extent += (dims_[i] - 1) * strides_[i];
  return extent;
}

Shape Shape::contiguous() const {
  return Shape(dims_, rank_);
}

Shape Shape::transposed(int a, int b) const {
  const int first = normalize_axis(a);
  const int second = normalize_axis(b);
  Shape result = *this;
  std::swap(result.dims_[first], result.dims_[second]);
  std::swap(result.strides_[first], result.strides_[second]);
  return result;
}

Shape Shape::reshaped(std::initializer_list<std::int64_t> dims) const {
  return reshaped(Shape(dims));
}

Shape Shape::reshaped(const Shape& dims) const {
  GYRE_CHECK(dims.numel() == numel(), InvalidArgumentError, "cannot reshape ", to_string(), " (",
             numel(), " elements) to ", dims.to_string(), " (", dims.numel(), " elements)");
  GYRE_CHECK(is_contiguous(), InvalidArgumentError, "cannot reshape the non-contiguous view ",
             to_string(), " with strides ", list_text(strides_, rank_),
             "; copy it to a contiguous tensor first");
  return dims.contiguous();
}

std::string Shape::to_string() const {
  return list_text(dims_, rank_);
}

bool operator==(const Shape& a, const Shape& b) {
  if (a.rank_ != b.rank_) return false;
  for (int i = 0; i < a.rank_; ++i) {
    if (a.dims_[i] != b.dims_[i]) return false;
  }
  return true;
}

bool Shape::same_layout(const Shape& other) const {
  if (*this != other) return false;
  for (int i = 0; i < rank_; ++i) {
    if (strides_[i] != other.strides_[i]) return false;
  }
  return true;
}

std::ostream& operator<<(std::ostream& out, const Shape& shape) {
  return out << shape.to_string();
}

}  // namespace gyre
