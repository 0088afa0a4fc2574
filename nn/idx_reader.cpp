#include "nn/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "runtime/error.h"

namespace gyre::nn {
namespace {

std::uint32_t big_endian_u32(const unsigned char* bytes) {
  return (static_cast<std::uint32_t>(bytes[0]) << 24) |
         (static_cast<std::uint32_t>(bytes[1]) << 16) |
         (static_cast<std::uint32_t>(bytes[2]) << 8) | static_cast<std::uint32_t>(bytes[3]);
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
  // Streams the file into its tensor: the header first, then the data straight into place,
  // so the file's bytes are held once, not in a buffer and a copy.
  gzFile file = gzopen(path.c_str(), "rb");  // reads plain files too
  GYRE_CHECK(file != nullptr, InvalidArgumentError, "cannot open IDX file '", path, "'");
  struct Closer {
    gzFile file;
    ~Closer() { gzclose(file); }
  } closer{file};
  auto read = [&](void* target, std::size_t bytes) -> std::size_t {
    std::size_t done = 0;
    while (done < bytes) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(bytes - done, 1u << 30));
      const int count = gzread(file, static_cast<unsigned char*>(target) + done, chunk);
      if (count < 0) {
        int code = 0;
        throw InvalidArgumentError(
            strcat("IDX file '", path, "' is corrupt: ", gzerror(file, &code)));
      }
      if (count == 0) break;
      done += static_cast<std::size_t>(count);
    }
    return done;
  };
  unsigned char header[4 + 4 * Shape::kMaxRank];
  std::size_t have = read(header, 4);
  if (have == 4 && header[3] >= 1 && header[3] <= Shape::kMaxRank)
    have += read(header + 4, 4u * header[3]);
  // Validate the header (and learn the size) with the in-memory parser on the header alone.
  const int rank = have >= 4 ? header[3] : 0;
  std::uint64_t count = 1;
  std::int64_t dims[Shape::kMaxRank];
  const bool header_complete =
      have >= 4 && rank >= 1 && rank <= Shape::kMaxRank && have == 4 + 4u * rank;
  if (!header_complete || header[0] != 0 || header[1] != 0 || header[2] != 0x08) {
    parse_idx(header, have, path);  // throws the precise complaint
    throw InvalidArgumentError(strcat("IDX file '", path, "' has a malformed header"));
  }
  for (int i = 0; i < rank; ++i) {
    dims[i] = big_endian_u32(header + 4 + 4 * i);
    count *= static_cast<std::uint64_t>(dims[i]);
    GYRE_CHECK(count <= (std::uint64_t{1} << 40), InvalidArgumentError, "IDX file '", path,
               "' declares an implausible ", count, "+ elements");
  }
  Tensor tensor = Tensor::empty_detached(Shape(dims, rank), DType::u8, Device::cpu());
  const std::size_t got = count > 0 ? read(tensor.data<std::uint8_t>(), count) : 0;
  unsigned char extra = 0;
  GYRE_CHECK(got == count && read(&extra, 1) == 0, InvalidArgumentError, "IDX file '", path,
             "' declares ", count, " elements but holds ",
             got == count ? "more" : strcat(got, " bytes of data (truncated)"));
  return tensor;
}

}  // namespace gyre::nn
