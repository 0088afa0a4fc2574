#pragma once
// The process's plain memory resources, one of each kind per device, created on first use
// and never destroyed (memory held by thread-local or static objects may be returned after
// static destructors ran, and CUDA may be shut down by then). Adaptors (caching, statistics)
// and workspaces are built on these.
#include "runtime/device.h"
#include "runtime/memory_resource.h"

namespace gyre {

/// Aligned host memory.
MemoryResource& host_resource();
/// Page-locked host memory of `accelerator`'s kind (cudaHostAlloc for cuda devices, the
/// simulated pinned memory for sim devices; one resource per kind).
MemoryResource& pinned_host_resource(Device accelerator);
/// Device memory of `device` (an accelerator), allocated synchronously (cudaMalloc).
MemoryResource& device_resource(Device device);
/// Stream-ordered device memory of `device` (cudaMallocAsync).
MemoryResource& async_device_resource(Device device);

}  // namespace gyre
