#pragma once
// The body every fuzzer shares: run `parse` on the input; a gyre::Error is the expected
// answer to bad input, anything else (a crash, a sanitizer report, another exception, a
// hang) is a finding.
#include <cstddef>
#include <cstdint>

#include "runtime/error.h"
#include "runtime/log.h"

#define GYRE_FUZZ_TARGET(parse)                                                       \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    try {                                                                             \
      parse(data, size);                                                              \
    } catch (const gyre::Error&) {                                                    \
    }                                                                                 \
    return 0;                                                                         \
  }
