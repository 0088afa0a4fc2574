#pragma once
// Runs a test body on several threads at once and reports, after joining them all, the
// first exception any of them threw (Catch2 assertions are not thread-safe: bodies throw,
// the calling thread fails).
#include <functional>

namespace gyre::testing {

/// Calls body(0) … body(threads - 1), each on a thread of its own; FAILs with the message of
/// the first exception thrown, once every thread has ended.
void run_in_parallel(int threads, const std::function<void(int)>& body);

}  // namespace gyre::testing
