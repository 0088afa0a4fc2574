#include "runtime/dtype.h"

#include "runtime/error.h"

namespace gyre {

DType parse_dtype(std::string_view text) {
  struct Alias {
    std::string_view name;
    DType dtype;
  };
  static constexpr Alias aliases[] = {
      {"f32", DType::f32},     {"float32", DType::f32},   {"f64", DType::f64},
      {"float64", DType::f64}, {"f16", DType::f16},       {"float16", DType::f16},
      {"bf16", DType::bf16},   {"bfloat16", DType::bf16}, {"i32", DType::i32},
      {"int32", DType::i32},   {"i64", DType::i64},       {"int64", DType::i64},
      {"u8", DType::u8},       {"uint8", DType::u8}};
  for (const Alias& alias : aliases) {
    if (alias.name == text) return alias.dtype;
  }
  throw InvalidArgumentError(
      strcat("unknown dtype '", text, "'; expected one of f32, f64, f16, bf16, i32, i64, u8"));
}

}  // namespace gyre
