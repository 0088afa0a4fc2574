#pragma once
// How a workspace orders the reuse of its memory across streams, behind a small interface
// so that every ordering rule is testable without a GPU (tests use a recording fake, as
// XLA's BFC tests use a fake sub-allocator). A fence marks a point in one stream's work;
// another stream can be made to wait for it without blocking the host.
#include <cstdint>

#include "runtime/stream.h"

namespace gyre {

class StreamOrdering {
 public:
  virtual ~StreamOrdering() = default;
  /// Records a fence at the current end of `stream`'s work; returns its token.
  virtual std::uint64_t record(Stream stream) = 0;
  /// Makes `stream` wait (in stream order, host not blocked) until the fence completes.
  virtual void wait(Stream stream, std::uint64_t fence) = 0;
  /// Blocks the host until the fence completes: for memory the host itself rewrites
  /// (pinned arenas), which no stream order protects.
  virtual void synchronize(std::uint64_t fence) = 0;
  /// The fence is no longer needed; its resources may be reused.
  virtual void forget(std::uint64_t fence) = 0;
  /// Whether `stream` is capturing a graph: a fence can then be neither recorded for eager
  /// work nor waited on (CUDA's capture isolation), and the graph's owner orders the
  /// capture's stream against the others (the graph steps do it with events).
  virtual bool capturing(Stream /*stream*/) { return false; }
};

/// The real ordering: CUDA events for CUDA streams (pooled, so the steady state creates
/// none); CPU streams are synchronous and need nothing.
StreamOrdering& default_stream_ordering();

}  // namespace gyre
