// NVTX memory annotations of workspace arenas (see workspace/memory_annotations.h).
#include "workspace/memory_annotations.h"

#include <nvtx3/nvToolsExtMem.h>

#include <cstdlib>
#include <cstring>

namespace gyre::memory_annotations {
namespace {
nvtxDomainHandle_t domain() {
  static const nvtxDomainHandle_t handle = nvtxDomainCreateA("gyre.workspace");
  return handle;
}
}  // namespace

bool active() {
  static const bool listening = [] {
    const char* forced = std::getenv("GYRE_NVTX_MEMORY");
    if (forced != nullptr) return std::strcmp(forced, "1") == 0;
    return std::getenv("NVTX_INJECTION64_PATH") != nullptr;
  }();
  return listening;
}

void* register_heap(void* base, std::size_t bytes) {
  nvtxMemVirtualRangeDesc_t range{};
  range.ptr = base;
  range.size = bytes;
  nvtxMemHeapDesc_t heap{};
  heap.extCompatID = NVTX_EXT_COMPATID_MEM;
  heap.structSize = sizeof(heap);
  heap.usage = NVTX_MEM_HEAP_USAGE_TYPE_SUB_ALLOCATOR;
  heap.type = NVTX_MEM_TYPE_VIRTUAL_ADDRESS;
  heap.typeSpecificDescSize = sizeof(range);
  heap.typeSpecificDesc = &range;
  return const_cast<void*>(static_cast<const void*>(nvtxMemHeapRegister(domain(), &heap)));
}

void unregister_heap(void* heap) noexcept {
  if (heap != nullptr) nvtxMemHeapUnregister(domain(), static_cast<nvtxMemHeapHandle_t>(heap));
}

void register_region(void* heap, void* pointer, std::size_t bytes) {
  nvtxMemVirtualRangeDesc_t range{};
  range.ptr = pointer;
  range.size = bytes;
  nvtxMemRegionsRegisterBatch_t batch{};
  batch.extCompatID = NVTX_EXT_COMPATID_MEM;
  batch.structSize = sizeof(batch);
  batch.regionType = NVTX_MEM_TYPE_VIRTUAL_ADDRESS;
  batch.heap = static_cast<nvtxMemHeapHandle_t>(heap);
  batch.regionCount = 1;
  batch.regionDescElementSize = sizeof(range);
  batch.regionDescElements = &range;
  nvtxMemRegionsRegister(domain(), &batch);
}

void reset_heap(void* heap) noexcept {
  if (heap != nullptr) nvtxMemHeapReset(domain(), static_cast<nvtxMemHeapHandle_t>(heap));
}

}  // namespace gyre::memory_annotations
