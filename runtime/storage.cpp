#include "runtime/storage.h"

#include <memory>

namespace gyre {

Storage* Storage::create(MemoryResource& resource, std::size_t bytes, Stream stream) {
  void* data = resource.allocate(bytes, kDefaultAlignment, stream);
  try {
    return new Storage(resource, data, bytes, stream);
  } catch (...) {
    resource.deallocate(data, bytes, kDefaultAlignment, stream);
    throw;
  }
}

void Storage::release() noexcept {
  if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    resource_->deallocate(data_, bytes_, kDefaultAlignment, stream_);
    delete this;
  }
}

}  // namespace gyre
