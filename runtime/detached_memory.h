#pragma once
// Where detached tensors get their memory: one process-wide caching resource per device
// (host memory for the CPU, stream-ordered device memory for CUDA).
#include "runtime/caching_resource.h"
#include "runtime/device.h"

namespace gyre {

/// The caching resource for detached tensors on `device` (created on first use; lives until
/// the process exits).
CachingResource& detached_resource(Device device);

/// Destroys an accelerator stream (OwnedStream's destructor): the detached blocks cached
/// under it go back upstream first, in its order, and when detached tensors allocated on it
/// are still alive, the destruction waits for the last of them to be released.
void retire_stream(Stream stream) noexcept;

}  // namespace gyre
