#pragma once
// The peak resident set of the calling process.
namespace gyre::bench {

/// VmHWM of /proc/self/status in MiB (0 when unavailable).
double peak_rss_mib();

}  // namespace gyre::bench
