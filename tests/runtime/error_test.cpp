#include "runtime/error.h"

#include <catch2/catch.hpp>

using namespace gyre;
using Catch::Matchers::Contains;

TEST_CASE("every Gyre exception is a gyre::Error", "[runtime][error]") {
  CHECK_THROWS_AS(throw InvalidArgumentError("x"), Error);
  CHECK_THROWS_AS(throw CudaError("x", 2), DeviceError);
  CHECK_THROWS_AS(throw WorkspaceError("x"), Error);
  CHECK_THROWS_AS(throw OutOfMemoryError("x"), Error);
  CHECK_THROWS_AS(throw NotAvailableError("x"), Error);
  CHECK(CudaError("x", 2).code() == 2);
}

TEST_CASE("GYRE_CHECK throws the named type with the values in the message", "[runtime][error]") {
  const int rows = 3;
  auto failing = [&] {
    GYRE_CHECK(rows == 4, InvalidArgumentError, "expected 4 rows, got ", rows);
  };
  CHECK_THROWS_AS(failing(), InvalidArgumentError);
  CHECK_THROWS_WITH(failing(), "expected 4 rows, got 3");
  CHECK_NOTHROW([&] { GYRE_CHECK(rows == 3, InvalidArgumentError, "unused"); }());
}

TEST_CASE("GYRE_ASSERT reports an internal error with its place", "[runtime][error]") {
  auto failing = [] { GYRE_ASSERT(1 + 1 == 3, "arithmetic"); };
  CHECK_THROWS_AS(failing(), InternalError);
  CHECK_THROWS_WITH(failing(), Contains("1 + 1 == 3") && Contains("error_test.cpp") &&
                                   Contains("arithmetic") && Contains("bug in Gyre"));
}
