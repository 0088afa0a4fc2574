#pragma once
// GYRE_VECTOR_CLONES compiles a hot loop three times, for AVX-512, AVX2 and baseline x86-64,
// and lets the loader pick the best clone the CPU supports (an ifunc): the portable binary
// gets wide vectors where they exist. Every clone computes the same bits: the AVX2 clone
// has no FMA, and the files that use the clones compile with -ffp-contract=off, so that the
// AVX-512 clone (whose instruction set includes FMA) fuses no multiply-add either. A
// machine's choice never changes what a network computes.
//
// AVX-512 pays where a loop has divisions and square roots (Adam: 0.043 ms against the
// AVX2 clone's 0.065 ms over the MLP's 235 k parameters, on this machine's Zen 4 cores).
//
// Not under the sanitizers: the loader runs ifunc resolvers before their runtimes start
// (TSan crashes there), and sanitizer builds measure correctness, not speed.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__) && \
    !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
#define GYRE_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GYRE_VECTOR_CLONES
#endif
