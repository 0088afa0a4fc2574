#pragma once
// ReservedRange: address space reserved once, with memory committed from its start on
// demand. Committed memory never moves: an arena that grows by committing more keeps the
// address of every byte it already had, so live tensors and captured CUDA graphs stay
// valid. Memory is committed in chunks (one per growth); shrinking gives back whole chunks
// from the end. Implementations: host memory (a PROT_NONE mapping opened by mprotect), CUDA
// device memory (cuMemAddressReserve / cuMemCreate / cuMemMap / cuMemSetAccess) and the
// simulated devices' memory. Pinned host memory has none (see cuda_reserved_ranges.cpp).
#include <cstddef>
#include <memory>
#include <vector>

namespace gyre {

class ReservedRange {
 public:
  virtual ~ReservedRange();
  ReservedRange(const ReservedRange&) = delete;
  ReservedRange& operator=(const ReservedRange&) = delete;

  char* base() const { return base_; }
  /// Bytes of address space reserved: the most this range can ever commit.
  std::size_t capacity() const { return capacity_; }
  /// Bytes usable from base() now (a multiple of the granularity).
  std::size_t committed() const { return committed_; }
  std::size_t granularity() const { return granularity_; }

  /// Makes [base, base + bytes) usable, in place. Growing commits one new chunk and keeps
  /// every committed byte; shrinking gives back the chunks past `bytes`, and a chunk that
  /// straddles it is mapped anew below it (its contents are not kept: shrink only memory
  /// that holds nothing live). Throws OutOfMemoryError when the memory is not there
  /// (growing: nothing changed), InvalidArgumentError past the capacity.
  void commit(std::size_t bytes);

 protected:
  ReservedRange(char* base, std::size_t capacity, std::size_t granularity);
  /// Commits [from, to) (offsets from base, multiples of the granularity); returns the
  /// chunk's handle for unmap. Throws OutOfMemoryError with nothing committed on failure.
  virtual void* map(std::size_t from, std::size_t to) = 0;
  /// Gives back a chunk map() committed. Never throws.
  virtual void unmap(std::size_t from, std::size_t to, void* handle) noexcept = 0;
  /// Gives back every chunk (for the destructors of implementations, which also release
  /// the address space).
  void unmap_all() noexcept;

 private:
  struct Chunk {
    std::size_t from;
    std::size_t to;
    void* handle;
  };
  char* base_;
  std::size_t capacity_;
  std::size_t granularity_;
  std::size_t committed_ = 0;
  std::vector<Chunk> chunks_;
};

/// Host memory in a reserved range: address space mapped PROT_NONE, committed by mprotect.
/// The simulated devices' ranges add their registration around map and unmap.
class HostRange : public ReservedRange {
 public:
  /// `capacity` bytes (rounded up to whole pages) of host address space.
  explicit HostRange(std::size_t capacity);
  ~HostRange() override;

 protected:
  void* map(std::size_t from, std::size_t to) override;
  void unmap(std::size_t from, std::size_t to, void* handle) noexcept override;
};

/// The size of a device reservation made without one asked: the device's memory, at most
/// 16 GiB (address space is shared by every arena of every thread).
std::size_t default_device_reservation(std::size_t device_memory);

/// Host address space: reserve with PROT_NONE (no memory, no swap charged), commit with
/// mprotect, decommit by mapping PROT_NONE over the range again (the pages go back to the
/// system). Shared by the host and simulated ranges.
namespace host_address_space {
std::size_t page_size();
/// `bytes` rounded up to whole pages.
std::size_t whole_pages(std::size_t bytes);
/// Reserves `bytes` (a multiple of page_size()); throws OutOfMemoryError.
char* reserve(std::size_t bytes);
void release(char* base, std::size_t bytes) noexcept;
/// Throws OutOfMemoryError naming the request when the system refuses.
void commit(char* address, std::size_t bytes);
void decommit(char* address, std::size_t bytes) noexcept;
/// The size of a host reservation made without one asked: the machine's memory, at most
/// 8 GiB.
std::size_t default_reservation();
}  // namespace host_address_space

}  // namespace gyre
