#pragma once
// The owner tag of a workspace tensor points to a Lifetime: a record of which epochs
// (workspace cycles, or ring regions) are still live. The workspace layer implements it;
// the runtime only compares numbers. Records are never freed while the process runs, so a
// tag stays checkable after its workspace is destroyed; a record serving a new owner starts
// its epochs above the old owner's, so old tags stay stale.
#include <atomic>
#include <cstdint>
#include <limits>
#include <string>

namespace gyre {

class Lifetime {
 public:
  /// One comparison: epochs below the first live one have ended.
  bool is_live(std::uint64_t epoch) const {
    return epoch >= first_live_epoch_.load(std::memory_order_acquire);
  }
  std::uint64_t first_live_epoch() const {
    return first_live_epoch_.load(std::memory_order_acquire);
  }

  /// Why a tensor of `epoch` is no longer valid, and what to do about it; the text follows
  /// "tensor [64, 256] f32 " in the error message.
  virtual std::string describe_stale(std::uint64_t epoch) const = 0;

 protected:
  Lifetime() = default;
  ~Lifetime() = default;
  /// Every epoch below `epoch` has ended.
  void end_epochs_before(std::uint64_t epoch) {
    first_live_epoch_.store(epoch, std::memory_order_release);
  }
  /// Every epoch has ended (the owner was destroyed).
  void end_all_epochs() { end_epochs_before(std::numeric_limits<std::uint64_t>::max()); }

 private:
  std::atomic<std::uint64_t> first_live_epoch_{0};
};

/// Whether tensors check their lifetime on access (on by default; GYRE_WORKSPACE_VALIDATION=0
/// in the environment turns it off).
bool workspace_validation_enabled();
void set_workspace_validation(bool enabled);

}  // namespace gyre
