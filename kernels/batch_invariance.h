#pragma once
// Batch invariance: while a BatchInvariantScope is active on a thread, each row of a GEMM's
// result (on the CPU) has the same bits whatever the number of rows in the call. OpenBLAS
// picks kernels by size (sgemv for one row, small-matrix kernels for a few), so a row's
// last bits otherwise depend on the rows it was batched with. The CPU backend then runs
// every product in blocks of kRowBlock rows, padding the last block: a batched request gets
// the bits it would get alone. Used by ParallelInference (batch_invariant) for reproducible
// serving; it costs small batches the work of kRowBlock rows. 8 rows: within a block of 8,
// OpenBLAS's kernels here give a row the same bits at every position (16 does not; the
// kernels test checks it on the machine it runs on).
#include <cstdint>

namespace gyre::kernels {

constexpr std::int64_t kRowBlock = 8;

class BatchInvariantScope {
 public:
  explicit BatchInvariantScope(bool on = true);
  ~BatchInvariantScope();
  BatchInvariantScope(const BatchInvariantScope&) = delete;
  BatchInvariantScope& operator=(const BatchInvariantScope&) = delete;

  /// Whether the calling thread is inside an active scope.
  static bool active();

 private:
  bool previous_;
};

}  // namespace gyre::kernels
