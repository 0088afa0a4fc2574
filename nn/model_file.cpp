#include "nn/model_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "runtime/error.h"
#include "runtime/log.h"
#include "runtime/stream.h"
#include "runtime/tensor_copy.h"

namespace gyre::nn {
namespace {

constexpr std::uint64_t kMaxHeaderBytes = 64ull << 20;

std::vector<std::pair<std::string, Tensor>> saved_tensors(const Network& network) {
  auto tensors = network.named_parameters();
  if (network.updater_state().numel() > 0)
    tensors.emplace_back("updater.state", network.updater_state());
  return tensors;
}

void write_all(int descriptor, const void* data, std::size_t size, const std::string& path) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t written = ::write(descriptor, bytes, size);
    if (written <= 0) {
      const int error = errno;
      ::close(descriptor);
      ::unlink(path.c_str());
      throw InvalidArgumentError(
          strcat("writing the model file '", path, "' failed: ", std::strerror(error)));
    }
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
}

}  // namespace

void save_model(const Network& network, const std::string& path) {
  const auto tensors = saved_tensors(network);
  nlohmann::json header;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    std::vector<std::int64_t> dims(tensor.shape().dims(),
                                   tensor.shape().dims() + tensor.shape().rank());
    const std::uint64_t bytes = tensor.nbytes();
    header[name] = {{"dtype", "F32"}, {"shape", dims}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  header["__metadata__"] = {{"format", "gyre"},
                            {"gyre_config", network.config().to_json().dump()},
                            {"iteration", std::to_string(network.iteration())}};
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // align the data to 8 bytes
  // Gather the data on the host (one copy per tensor from the device).
  std::vector<float> data(offset / sizeof(float));
  const DeviceGuard on_device(network.device());  // the copies run on its current stream
  std::size_t position = 0;
  for (const auto& [name, tensor] : tensors) {
    copy_tensor(tensor,
                Tensor::wrap(data.data() + position, tensor.shape(), DType::f32, Device::cpu()));
    position += static_cast<std::size_t>(tensor.numel());
  }
  Stream::current(network.device()).synchronize();

  const std::string temporary = strcat(path, ".tmp.", ::getpid());
  const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  GYRE_CHECK(descriptor >= 0, InvalidArgumentError, "cannot create the model file '", temporary,
             "': ", std::strerror(errno));
  unsigned char length[8];
  const std::uint64_t header_size = text.size();
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<unsigned char>(header_size >> (8 * i));  // little-endian
  write_all(descriptor, length, 8, temporary);
  write_all(descriptor, text.data(), text.size(), temporary);
  write_all(descriptor, data.data(), data.size() * sizeof(float), temporary);
  if (::fsync(descriptor) != 0 || ::close(descriptor) != 0) {
    ::unlink(temporary.c_str());
    throw InvalidArgumentError(
        strcat("flushing the model file '", temporary, "' failed: ", std::strerror(errno)));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    throw InvalidArgumentError(
        strcat("cannot move '", temporary, "' to '", path, "': ", std::strerror(errno)));
  }
}

std::unique_ptr<Network> parse_model(const unsigned char* data, std::size_t size,
                                     const std::string& name, Device device) {
  // Bytes that are not a safetensors file, and a well-formed file that does not hold the
  // model its own config describes, are told apart: the remedies differ.
  const auto corrupt = [&](const std::string& why) {
    return InvalidArgumentError(strcat("model file '", name, "' is truncated or corrupt: ", why));
  };
  const auto mismatch = [&](const std::string& why) {
    return InvalidArgumentError(
        strcat("model file '", name, "' is a well-formed safetensors file, but ", why,
               "; it was not written by this version of gyre train, or was edited"));
  };
  if (size < 8)
    throw corrupt(strcat("it has ", size, " bytes, fewer than the 8-byte header length"));
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | data[i];
  if (header_size > kMaxHeaderBytes || header_size > size - 8) {
    throw corrupt(
        strcat("its header claims ", header_size, " bytes, but the file has ", size, " in all"));
  }
  const std::string text(reinterpret_cast<const char*>(data + 8),
                         static_cast<std::size_t>(header_size));
  const nlohmann::json header = nlohmann::json::parse(text, nullptr, false);
  if (header.is_discarded() || !header.is_object())
    throw corrupt("its header is not a JSON object");
  if (!header.contains("__metadata__") || !header["__metadata__"].is_object() ||
      !header["__metadata__"].contains("gyre_config") ||
      !header["__metadata__"]["gyre_config"].is_string()) {
    throw mismatch("its header has no __metadata__.gyre_config: it holds no Gyre network");
  }
  const nlohmann::json config = nlohmann::json::parse(
      header["__metadata__"]["gyre_config"].get<std::string>(), nullptr, false);
  if (config.is_discarded()) throw mismatch("its network config is not valid JSON");
  std::unique_ptr<Network> network;
  try {
    network = std::make_unique<Network>(NetworkConfig::from_json(config), device);
  } catch (const InvalidArgumentError& error) {
    throw mismatch(strcat("its network config is invalid: ", error.what()));
  }
  const unsigned char* payload = data + 8 + header_size;
  const std::uint64_t payload_size = size - 8 - header_size;
  for (const auto& [tensor_name, tensor] : saved_tensors(*network)) {
    if (!header.contains(tensor_name) || !header[tensor_name].is_object())
      throw mismatch(strcat("tensor '", tensor_name, "', which its config needs, is missing"));
    const nlohmann::json& entry = header[tensor_name];
    if (!entry.contains("dtype") || entry["dtype"] != "F32")
      throw mismatch(strcat("tensor '", tensor_name, "' is ",
                            entry.value("dtype", nlohmann::json()).dump(), ", not F32"));
    std::vector<std::int64_t> dims(tensor.shape().dims(),
                                   tensor.shape().dims() + tensor.shape().rank());
    if (tensor_name == "updater.state" && entry.contains("shape") &&
        entry["shape"] != nlohmann::json(dims)) {
      // Written when batch norm's running statistics were trained parameters (so the
      // updater held state for them): the parameters load, the updater starts afresh.
      GYRE_LOG(nn, warn, "model file '", name, "': its updater state has shape ",
               entry["shape"].dump(), " for an older parameter layout (this config needs ",
               nlohmann::json(dims).dump(), "); training resumes with a fresh updater state");
      continue;
    }
    if (!entry.contains("shape") || entry["shape"] != nlohmann::json(dims)) {
      throw mismatch(strcat("tensor '", tensor_name, "' has shape ",
                            entry.value("shape", nlohmann::json()).dump(),
                            " where its config needs ", nlohmann::json(dims).dump()));
    }
    const nlohmann::json& offsets = entry.value("data_offsets", nlohmann::json());
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      throw corrupt(strcat("tensor '", tensor_name, "' has no valid data_offsets"));
    }
    const std::uint64_t begin = offsets[0].get<std::uint64_t>(),
                        end = offsets[1].get<std::uint64_t>();
    if (begin > end || end > payload_size || end - begin != tensor.nbytes()) {
      throw corrupt(strcat("tensor '", tensor_name, "' spans bytes [", begin, ", ", end, ") of a ",
                           payload_size, "-byte payload; it needs ", tensor.nbytes()));
    }
    std::vector<float> values(static_cast<std::size_t>(tensor.numel()));
    std::memcpy(values.data(), payload + begin, tensor.nbytes());
    const DeviceGuard on_device(device);
    copy_tensor(Tensor::wrap(values.data(), tensor.shape(), DType::f32, Device::cpu()), tensor);
    Stream::current(device).synchronize();
  }
  const nlohmann::json& metadata = header["__metadata__"];
  if (metadata.contains("iteration") && metadata["iteration"].is_string()) {
    const std::string text_value = metadata["iteration"].get<std::string>();
    std::int64_t iteration = 0;
    std::size_t used = 0;
    try {
      iteration = std::stoll(text_value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text_value.size())
      throw mismatch(strcat("its iteration count \"", text_value, "\" is not a number"));
    if (iteration < 0) throw mismatch(strcat("its iteration count ", iteration, " is negative"));
    network->set_iteration(iteration);
  }
  return network;
}

std::unique_ptr<Network> load_model(const std::string& path, Device device) {
  std::ifstream in(path, std::ios::binary);
  GYRE_CHECK(in.good(), InvalidArgumentError, "cannot read the model file '", path, "'");
  const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                         std::istreambuf_iterator<char>());
  return parse_model(bytes.data(), bytes.size(), path, device);
}

}  // namespace gyre::nn
