#pragma once
// Tensor: a value type over memory it does not copy. Its owner is either a workspace
// allocation tag {lifetime, epoch} (no reference count, no heap) or a reference-counted
// Storage (a detached tensor). Creating, copying and viewing a tensor never allocates
// metadata on the heap.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/device.h"
#include "runtime/dtype.h"
#include "runtime/error.h"
#include "runtime/lifetime.h"
#include "runtime/shape.h"

namespace gyre {

class Storage;

class Tensor {
 public:
  /// An undefined tensor (no data).
  Tensor() = default;
  Tensor(const Tensor& other) noexcept;
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(const Tensor& other) noexcept;
  Tensor& operator=(Tensor&& other) noexcept;
  ~Tensor();

  /// A new contiguous tensor from the memory scope current on this thread for `device`
  /// (the innermost open workspace), or detached when none is. Contents are uninitialized.
  static Tensor empty(const Shape& shape, DType dtype = DType::f32,
                      Device device = current_device());
  /// A new detached tensor, whatever scope is open.
  static Tensor empty_detached(const Shape& shape, DType dtype = DType::f32,
                               Device device = current_device());
  /// A non-owning tensor over memory the caller keeps alive.
  static Tensor wrap(void* data, const Shape& shape, DType dtype, Device device = Device::cpu());

  bool defined() const { return data_ != nullptr || shape_.numel() == 0; }
  const Shape& shape() const { return shape_; }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  std::int64_t numel() const { return shape_.numel(); }
  std::size_t element_size() const { return size_of(dtype_); }
  /// Bytes of the elements (numel × element size).
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * element_size(); }
  bool is_contiguous() const { return shape_.is_contiguous(); }

  /// Owned by a reference-counted Storage (outside any workspace).
  bool is_detached() const { return storage_ != nullptr; }
  /// Owned by a workspace cycle (or ring region).
  bool is_attached() const { return lifetime_ != nullptr; }
  const Lifetime* lifetime() const { return lifetime_; }
  std::uint64_t epoch() const { return epoch_; }
  /// References to the storage of a detached tensor (0 otherwise).
  long use_count() const;

  /// False once the workspace cycle (or ring region) this tensor belongs to has ended.
  bool is_valid() const { return lifetime_ == nullptr || lifetime_->is_live(epoch_); }
  /// Throws WorkspaceError, saying which workspace and cycle and what to do, when the
  /// tensor is stale and validation is enabled.
  void validate() const {
    if (lifetime_ != nullptr && !lifetime_->is_live(epoch_) && workspace_validation_enabled()) {
      throw_stale();
    }
  }

  /// The data pointer for host code, after validate(). An accelerator's tensor (cuda, sim)
  /// throws DeviceError: its memory is not the host's; copy it to the CPU first.
  void* data_ptr() const {
    validate();
    if (device_.is_accelerator()) throw_not_on_host();
    return data_;
  }
  /// The data pointer for work on the tensor's own device (kernels, copies, collectives),
  /// after validate(): never dereference it on the host.
  void* device_ptr() const {
    validate();
    return data_;
  }
  /// The data as T* for host code, after validate(), the host check and a dtype check.
  template <typename T>
  T* data() const {
    GYRE_CHECK(dtype_of<T>() == dtype_, InvalidArgumentError, "tensor ", description(), " read as ",
               name_of(dtype_of<T>()));
    return static_cast<T*>(data_ptr());
  }
  /// The data pointer without any check: for code that validated its operands already.
  void* unchecked_data() const { return data_; }

  // Views share the owner of this tensor; no data moves.
  Tensor reshape(const Shape& dims) const;
  Tensor transpose(int a, int b) const;
  /// Elements [begin, end) along `axis`.
  Tensor slice(int axis, std::int64_t begin, std::int64_t end) const;

  /// A detached copy of a workspace tensor (reference-counted, outside every cycle); a
  /// tensor that is not in a workspace is returned as is.
  Tensor detach() const;
  /// A copy in the workspace `id` if it is open on this thread (typically a parent of the
  /// current one), else detach(). Returned as is when already there or not in a workspace.
  Tensor leverage_to(std::string_view id) const;
  /// A copy in the current workspace scope of its device (ND4J's migrate()): for a detached
  /// tensor, or one of another workspace, that this cycle should own. A tensor already in
  /// the current scope is returned as is; with no scope open, the copy is detached.
  Tensor migrate() const;

  /// "[64, 256] f32 cuda:0".
  std::string description() const;

 private:
  Tensor(void* data, const Shape& shape, DType dtype, Device device, Storage* storage,
         const Lifetime* lifetime, std::uint64_t epoch)
      : data_(data),
        shape_(shape),
        dtype_(dtype),
        device_(device),
        storage_(storage),
        lifetime_(lifetime),
        epoch_(epoch) {}
  Tensor with_layout(const Shape& shape, std::int64_t element_offset) const;
  [[noreturn]] void throw_stale() const;
  [[noreturn]] void throw_not_on_host() const;

  void* data_ = nullptr;
  Shape shape_;
  DType dtype_ = DType::f32;
  Device device_ = Device::cpu();
  Storage* storage_ = nullptr;          // set for detached tensors
  const Lifetime* lifetime_ = nullptr;  // set for workspace tensors
  std::uint64_t epoch_ = 0;
};

}  // namespace gyre
