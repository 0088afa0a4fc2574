#pragma once
// Benchmarks run each measurement in a process of its own (so that an allocator can be
// preloaded, or a framework's peak RSS is its own): run one and take what it printed.
#include <string>
#include <utility>
#include <vector>

namespace gyre::bench {

/// Runs `argv` (argv[0]: the executable's path) with `environment` added, waits for it, and
/// returns the last line it printed on stdout. Throws gyre::Error with its output when it
/// fails. OPENBLAS_NUM_THREADS=1 is set unless `environment` says otherwise: idle BLAS
/// threads would compete with the measured thread for the cores.
std::string run_worker_process(
    const std::vector<std::string>& argv,
    const std::vector<std::pair<std::string, std::string>>& environment = {});

/// This executable's path (/proc/self/exe).
std::string self_executable();

}  // namespace gyre::bench
