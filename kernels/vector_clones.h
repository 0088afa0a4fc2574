#pragma once
// GYRE_VECTOR_CLONES compiles a hot loop twice, for AVX2 and for baseline x86-64, and lets
// the loader pick the clone the CPU supports (an ifunc): the portable binary gets 8-wide
// vectors where they exist. AVX2 without FMA keeps every result bitwise equal to the baseline
// clone, so a machine's choice never changes what a network computes.
//
// Not under the sanitizers: the loader runs ifunc resolvers before their runtimes start
// (TSan crashes there), and sanitizer builds measure correctness, not speed.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__) && \
    !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
#define GYRE_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GYRE_VECTOR_CLONES
#endif
