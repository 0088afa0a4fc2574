#pragma once
// Announces workspace arenas and their sub-allocations to CUDA tools through the NVTX memory
// API, so that compute-sanitizer checks the bounds of each tensor inside an arena rather than
// of the arena as a whole. Implemented in workspace/cuda/ (NVTX 3, header-only) and as no-ops
// in workspace/no_cuda/. No CUDA types here.
#include <cstddef>

namespace gyre::memory_annotations {

/// True when the build has CUDA and a tool may listen: NVTX_INJECTION64_PATH is set (tools
/// set it to inject themselves) or GYRE_NVTX_MEMORY=1. Read once; when false, workspaces
/// make no annotation call at all.
bool active();

/// Registers [base, base + bytes) as a sub-allocating heap; returns its handle.
void* register_heap(void* base, std::size_t bytes);
void unregister_heap(void* heap) noexcept;
/// Registers one allocation inside a heap.
void register_region(void* heap, void* pointer, std::size_t bytes);
/// Forgets every region of the heap (a cycle ended).
void reset_heap(void* heap) noexcept;

}  // namespace gyre::memory_annotations
