#include "nn/idx_reader.h"

#include <zlib.h>

#include <cstring>
#include <vector>

#include "runtime/error.h"

namespace gyre::nn {
namespace {

std::uint32_t big_endian_u32(const unsigned char* bytes) {
  return (static_cast<std::uint32_t>(bytes[0]) << 24) |
         (static_cast<std::uint32_t>(bytes[1]) << 16) |
         (static_cast<std::uint32_t>(bytes[2]) << 8) | static_cast<std::uint32_t>(bytes[3]);
}

std::vector<unsigned char> read_all(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");  // reads plain files too
  GYRE_CHECK(file != nullptr, InvalidArgumentError, "cannot open IDX file '", path, "'");
  std::vector<unsigned char> data;
  unsigned char buffer[1 << 16];
  for (;;) {
    const int count = gzread(file, buffer, sizeof(buffer));
    if (count < 0) {
      int code = 0;
      const std::string message = gzerror(file, &code);
      gzclose(file);
      throw InvalidArgumentError(strcat("IDX file '", path, "' is corrupt: ", message));
    }
    if (count == 0) break;
    data.insert(data.end(), buffer, buffer + count);
  }
  gzclose(file);
  return data;
}

}  // namespace

Tensor parse_idx(const unsigned char* data, std::size_t size, const std::string& name) {
  GYRE_CHECK(size >= 4, InvalidArgumentError, "IDX file '", name, "' is truncated: ", size,
             " bytes, not even a header");
  GYRE_CHECK(data[0] == 0 && data[1] == 0, InvalidArgumentError, "IDX file '", name,
             "' does not start with the IDX magic (two zero bytes)");
  GYRE_CHECK(data[2] == 0x08, InvalidArgumentError, "IDX file '", name, "' holds element type 0x",
             std::hex, static_cast<int>(data[2]), std::dec,
             "; only unsigned bytes (0x08) are supported");
  const int rank = data[3];
  GYRE_CHECK(rank >= 1 && rank <= Shape::kMaxRank, InvalidArgumentError, "IDX file '", name,
             "' has rank ", rank, "; expected 1 to ", Shape::kMaxRank);
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(rank);
  GYRE_CHECK(size >= header, InvalidArgumentError, "IDX file '", name,
             "' is truncated inside its header");
  std::int64_t dims[Shape::kMaxRank];
  std::uint64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    dims[i] = big_endian_u32(data + 4 + 4 * i);
    count *= static_cast<std::uint64_t>(dims[i]);
    GYRE_CHECK(count <= size, InvalidArgumentError, "IDX file '", name,
               "' declares more elements than it holds");
  }
  GYRE_CHECK(size - header == count, InvalidArgumentError, "IDX file '", name, "' declares ", count,
             " elements but holds ", size - header, " bytes of data",
             size - header < count ? " (truncated)" : "");
  Tensor tensor = Tensor::empty_detached(Shape(dims, rank), DType::u8, Device::cpu());
  if (count > 0) std::memcpy(tensor.data<std::uint8_t>(), data + header, count);
  return tensor;
}

Tensor read_idx(const std::string& path) {
  const std::vector<unsigned char> data = read_all(path);
  return parse_idx(data.data(), data.size(), path);
}

}  // namespace gyre::nn
