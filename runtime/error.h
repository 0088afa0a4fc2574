#pragma once
// The gyre::Error hierarchy and the two checks: GYRE_CHECK for user errors (bad input,
// unavailable devices) and GYRE_ASSERT for Gyre's own invariants.
#include <stdexcept>
#include <string>

#include "runtime/strcat.h"

namespace gyre {

/// Base of every exception Gyre throws.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// A bad argument: shape, dtype, size, alignment or option value.
class InvalidArgumentError : public Error {
 public:
  using Error::Error;
};

/// A device that does not exist, is not available in this build, or mismatches.
class DeviceError : public Error {
 public:
  using Error::Error;
};

/// A CUDA runtime call failed; the message names the call, file and line.
class CudaError : public DeviceError {
 public:
  CudaError(const std::string& message, int code) : DeviceError(message), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

/// An allocation could not be served; the message names the sizes involved.
class OutOfMemoryError : public Error {
 public:
  using Error::Error;
};

/// Misuse of workspace memory: a tensor used after its cycle ended, a full arena under
/// the FAIL policy, a bad workspace configuration.
class WorkspaceError : public Error {
 public:
  using Error::Error;
};

/// A feature this build does not include (for example CUDA in a CPU-only build).
class NotAvailableError : public Error {
 public:
  using Error::Error;
};

/// An internal invariant of Gyre was broken: a bug in Gyre, not in the caller's code.
class InternalError : public Error {
 public:
  using Error::Error;
};

namespace detail {
[[noreturn]] void throw_internal(const char* condition, const char* file, int line,
                                 const std::string& message);
}  // namespace detail

}  // namespace gyre

/// User-facing check: throws ErrorType with the concatenated message when cond is false.
#define GYRE_CHECK(cond, ErrorType, ...)                       \
  do {                                                         \
    if (!(cond)) throw ErrorType(::gyre::strcat(__VA_ARGS__)); \
  } while (false)

/// Internal invariant: a failure is a Gyre bug and says where.
#define GYRE_ASSERT(cond, ...)                                                                \
  do {                                                                                        \
    if (!(cond))                                                                              \
      ::gyre::detail::throw_internal(#cond, __FILE__, __LINE__, ::gyre::strcat(__VA_ARGS__)); \
  } while (false)
