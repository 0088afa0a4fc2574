#include "tools/serve/predict_body.h"

#include <cstring>
#include <nlohmann/json.hpp>

namespace gyre::serve {

Tensor parse_predict_body(const std::string& body, bool binary, const Shape& example) {
  const std::int64_t example_floats = example.numel();
  std::int64_t rows = 0;
  Tensor input;
  if (binary) {
    const std::size_t row_bytes = static_cast<std::size_t>(example_floats) * sizeof(float);
    if (body.empty() || body.size() % row_bytes != 0)
      throw BadRequestError(strcat("a float32 body must hold whole examples of ", example_floats,
                                   " floats (", row_bytes, " bytes); got ", body.size(), " bytes"));
    rows = static_cast<std::int64_t>(body.size() / row_bytes);
    input = Tensor::empty_detached({rows, example_floats});
    std::memcpy(input.data_ptr(), body.data(), body.size());
  } else {
    const nlohmann::json document =
        nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded()) throw BadRequestError("the body is not JSON");
    if (!document.is_object() || !document.contains("inputs") || !document["inputs"].is_array() ||
        document["inputs"].empty())
      throw BadRequestError("expected {\"inputs\": [[...], ...]}: a non-empty array of examples");
    const nlohmann::json& examples = document["inputs"];
    rows = static_cast<std::int64_t>(examples.size());
    input = Tensor::empty_detached({rows, example_floats});
    float* out = input.data<float>();
    for (std::size_t r = 0; r < examples.size(); ++r) {
      if (!examples[r].is_array() || examples[r].size() != static_cast<std::size_t>(example_floats))
        throw BadRequestError(
            strcat("inputs[", r, "] must be an array of ", example_floats, " numbers"));
      for (std::size_t c = 0; c < examples[r].size(); ++c) {
        if (!examples[r][c].is_number())
          throw BadRequestError(strcat("inputs[", r, "][", c, "] is not a number"));
        *out++ = examples[r][c].get<float>();
      }
    }
  }
  std::int64_t dims[Shape::kMaxRank] = {rows};
  for (int d = 0; d < example.rank(); ++d) dims[d + 1] = example.dim(d);
  return input.reshape(Shape(dims, example.rank() + 1));
}

}  // namespace gyre::serve
