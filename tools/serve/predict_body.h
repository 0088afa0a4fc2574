#pragma once
// The body of POST /v1/predict, parsed: JSON {"inputs": [[...], ...]} or raw float32
// (whole examples). Separate from the server so that a fuzzer can drive it directly.
#include <string>

#include "runtime/error.h"
#include "runtime/tensor.h"

namespace gyre::serve {

/// The client sent something the server cannot use: HTTP 400 with this message.
class BadRequestError : public InvalidArgumentError {
 public:
  using InvalidArgumentError::InvalidArgumentError;
};

/// A detached [n, example...] f32 tensor from `body`; throws BadRequestError naming what is
/// wrong. `binary`: the body is n × example float32 values.
Tensor parse_predict_body(const std::string& body, bool binary, const Shape& example);

}  // namespace gyre::serve
