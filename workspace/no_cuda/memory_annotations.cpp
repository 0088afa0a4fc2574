// Builds without CUDA have no tool to announce memory to.
#include "workspace/memory_annotations.h"

namespace gyre::memory_annotations {

bool active() {
  return false;
}
void* register_heap(void*, std::size_t) {
  return nullptr;
}
void unregister_heap(void*) noexcept {}
void register_region(void*, void*, std::size_t) {}
void reset_heap(void*) noexcept {}

}  // namespace gyre::memory_annotations
