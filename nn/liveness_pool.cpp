#include "nn/liveness_pool.h"

#include "runtime/error.h"

namespace gyre::nn {

LivenessPool::Pass LivenessPool::begin(WorkspaceManager& manager, const char* const* ids,
                                       int values) {
  manager_ = &manager;
  ids_ = ids;
  values_.assign(static_cast<std::size_t>(values), Tensor());
  readers_.assign(static_cast<std::size_t>(values), 0);
  slot_of_.assign(static_cast<std::size_t>(values), -1);
  for (int& held : held_) held = -1;
  return Pass(*this);
}

int LivenessPool::open() {
  for (int slot = 0; slot < kMaxLiveValues; ++slot) {
    if (held_[slot] >= 0) continue;
    held_[slot] = 0;
    scopes_[slot] = open_network_scope(*manager_, ids_[slot]);
    return slot;
  }
  throw InvalidArgumentError(strcat("this graph keeps more than ", kMaxLiveValues,
                                    " values alive at once in one pass; Gyre's networks hold at "
                                    "most that many (nn/workspace_plan.h)"));
}

void LivenessPool::place(int value, const Tensor& result, int opened, int readers,
                         const int* sources, int source_count) {
  int slot = -1;
  if (opened < 0 || !result.defined()) {
    slot = -1;
  } else if (produced_in(scopes_[opened], result)) {
    slot = opened;
  } else {
    for (int i = 0; i < source_count && slot < 0; ++i) {
      const Tensor& source = values_[sources[i]];
      if (source.defined() && source.lifetime() == result.lifetime()) slot = slot_of_[sources[i]];
    }
  }
  values_[value] = result;
  readers_[value] = readers;
  slot_of_[value] = readers > 0 ? slot : -1;
  if (slot_of_[value] >= 0) ++held_[slot];
}

void LivenessPool::accumulate(int value, const Tensor& sum, int opened) {
  const int old_slot = slot_of_[value];
  values_[value] = sum;  // held in `opened` before the old slot may close
  slot_of_[value] = opened;
  ++held_[opened];
  if (old_slot >= 0 && --held_[old_slot] == 0) unhold(old_slot);
}

void LivenessPool::settle(int opened) {
  if (held_[opened] == 0) unhold(opened);
}

void LivenessPool::release(int value) {
  if (--readers_[value] > 0) return;
  values_[value] = Tensor();
  const int slot = slot_of_[value];
  slot_of_[value] = -1;
  if (slot >= 0 && --held_[slot] == 0) unhold(slot);
}

void LivenessPool::unhold(int slot) {
  scopes_[slot].close();
  held_[slot] = -1;
}

void LivenessPool::end() noexcept {
  for (Tensor& value : values_) value = Tensor();
  for (int slot = 0; slot < kMaxLiveValues; ++slot)
    if (held_[slot] >= 0) unhold(slot);
}

}  // namespace gyre::nn
