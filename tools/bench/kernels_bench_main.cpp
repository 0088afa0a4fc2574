// gyre-bench-kernels: the kernel microbenchmarks (tools/bench/kernels_bench.h).
#include "tools/bench/kernels_bench.h"

int main(int argc, char** argv) {
  return gyre::bench::run_kernels_benchmark(argc, argv);
}
