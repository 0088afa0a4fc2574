#include "runtime/dtype.h"

#include <catch2/catch.hpp>

#include "runtime/error.h"

using namespace gyre;
using Catch::Matchers::Contains;

TEST_CASE("dtypes know their size and name", "[runtime][dtype]") {
  CHECK(size_of(DType::f32) == 4);
  CHECK(size_of(DType::f64) == 8);
  CHECK(size_of(DType::bf16) == 2);
  CHECK(size_of(DType::u8) == 1);
  CHECK(name_of(DType::i64) == "i64");
  CHECK(dtype_of<float>() == DType::f32);
  CHECK(dtype_of<std::int32_t>() == DType::i32);
}

TEST_CASE("dtypes parse from their names and aliases", "[runtime][dtype]") {
  CHECK(parse_dtype("f32") == DType::f32);
  CHECK(parse_dtype("float64") == DType::f64);
  CHECK(parse_dtype("bfloat16") == DType::bf16);
  CHECK_THROWS_AS(parse_dtype("float128"), InvalidArgumentError);
  CHECK_THROWS_WITH(parse_dtype("float128"), Contains("'float128'") && Contains("f32"));
}
