#pragma once
// The process's resident memory now (VmRSS), for soak tests that check memory stays flat.
#include <cstddef>

namespace gyre::testing {

std::size_t resident_kib();

}  // namespace gyre::testing
