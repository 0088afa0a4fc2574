#include "tools/cli/info_command.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "kernels/blas_info.h"
#include "runtime/accelerator.h"
#include "runtime/build_info.h"
#include "runtime/cuda_backend.h"
#include "runtime/device.h"

namespace gyre::cli {
namespace {

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

std::string cuda_version_text(int version) {
  if (version == 0) return "none";
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

double gibibytes(std::size_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0);
}

void print_text(const nlohmann::json& info) {
  const auto& build = info["build"];
  std::cout << "Gyre " << build["version"].get<std::string>() << " ("
            << build["build_type"].get<std::string>() << ", "
            << build["compiler"].get<std::string>();
  if (!build["sanitizers"].get<std::string>().empty()) {
    std::cout << ", sanitizers " << build["sanitizers"].get<std::string>();
  }
  std::cout << ")\n";
  std::cout << "  CUDA backend: "
            << (build["cuda"].get<bool>()
                    ? "on (runtime " + build["cuda_runtime"].get<std::string>() + ", driver " +
                          build["cuda_driver"].get<std::string>() + ")"
                    : std::string("off (configure with -DGYRE_CUDA=ON to build it)"))
            << "\n";
  std::cout << "  BLAS: " << info["blas"]["library"].get<std::string>() << "\n";
  std::cout << "Devices:\n";
  std::cout << "  cpu:0  " << info["cpu"]["model"].get<std::string>() << "\n";
  if (info["cuda_devices"].empty()) {
    std::cout << "  no CUDA device\n";
  }
  for (const auto& device : info["cuda_devices"]) {
    std::cout << "  " << device["device"].get<std::string>() << "  "
              << device["name"].get<std::string>() << ", "
              << device["total_memory_gib"].get<double>() << " GiB ("
              << device["free_memory_gib"].get<double>() << " free), compute capability "
              << device["compute_capability"].get<std::string>() << ", "
              << device["multiprocessors"].get<int>() << " SMs\n";
  }
  if (info["sim_devices"].empty())
    std::cout << "  no sim device (GYRE_SIM_DEVICES=N simulates N)\n";
  for (const auto& device : info["sim_devices"]) {
    std::cout << "  " << device["device"].get<std::string>() << "  "
              << device["name"].get<std::string>() << ", "
              << device["total_memory_gib"].get<double>() << " GiB ("
              << device["free_memory_gib"].get<double>() << " free)\n";
  }
  std::cout << "Threads: " << info["threads"]["hardware"].get<unsigned>() << " hardware, "
            << info["threads"]["blas"].get<int>() << " OpenBLAS\n";
}

}  // namespace

nlohmann::json collect_info() {
  const BuildInfo build = build_info();
  const kernels::BlasInfo blas = kernels::blas_info();
  nlohmann::json info;
  info["build"] = {{"version", build.version},
                   {"build_type", build.build_type},
                   {"compiler", build.compiler},
                   {"sanitizers", build.sanitizers},
                   {"cuda", build.cuda},
                   {"cuda_runtime", cuda_version_text(build.cuda_runtime_version)},
                   {"cuda_driver", cuda_version_text(build.cuda_driver_version)}};
  info["blas"] = {{"library", blas.library}, {"threads", blas.threads}};
  info["cpu"] = {{"model", cpu_model()}};
  info["cuda_devices"] = nlohmann::json::array();
  const int count = device_count(DeviceType::cuda);
  for (int index = 0; index < count; ++index) {
    const cuda_backend::DeviceProperties properties = cuda_backend::properties(index);
    info["cuda_devices"].push_back(
        {{"device", Device::cuda(index).to_string()},
         {"name", properties.name},
         {"total_memory_gib", gibibytes(properties.total_memory)},
         {"free_memory_gib", gibibytes(properties.free_memory)},
         {"compute_capability", std::to_string(properties.compute_major) + "." +
                                    std::to_string(properties.compute_minor)},
         {"multiprocessors", properties.multiprocessors}});
  }
  // Simulated devices (GYRE_SIM_DEVICES): CUDA's rules, the CPU's kernels.
  info["sim_devices"] = nlohmann::json::array();
  for (int index = 0; index < device_count(DeviceType::sim); ++index) {
    const cuda_backend::DeviceProperties properties =
        accelerator(DeviceType::sim).properties(index);
    info["sim_devices"].push_back({{"device", Device::sim(index).to_string()},
                                   {"name", properties.name},
                                   {"total_memory_gib", gibibytes(properties.total_memory)},
                                   {"free_memory_gib", gibibytes(properties.free_memory)}});
  }
  info["threads"] = {{"hardware", std::thread::hardware_concurrency()}, {"blas", blas.threads}};
  return info;
}

void add_info_command(CLI::App& app) {
  CLI::App* command =
      app.add_subcommand("info", "Show the build, the devices and the thread counts");
  auto json = std::make_shared<bool>(false);
  command->add_flag("--json", *json, "Print JSON instead of text");
  command->callback([json] {
    const nlohmann::json info = collect_info();
    if (*json)
      std::cout << info.dump(2) << "\n";
    else
      print_text(info);
  });
}

}  // namespace gyre::cli
