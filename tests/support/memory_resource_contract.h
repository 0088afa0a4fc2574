#pragma once
// One test body for every MemoryResource (RMM's mr_tests idea): a new resource gets the
// whole contract by calling this from a TEST_CASE.
#include "runtime/memory_resource.h"

namespace gyre::testing {

/// Allocates, writes, reads back and frees blocks of many sizes and alignments through
/// `resource` (and through a StatisticsResource around it, whose counts must match the
/// calls exactly). Fails the current test on any broken promise.
void check_memory_resource_contract(MemoryResource& resource);

}  // namespace gyre::testing
