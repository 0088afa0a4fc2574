// CUDA virtual memory management for stable-address arenas. The driver's entry points are
// fetched through the runtime (cudaGetDriverEntryPointByVersion), so that no Gyre binary
// links libcuda: the CUDA build still loads, and skips, on a machine without a driver.
#include <cuda.h>
#include <cudaTypedefs.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <mutex>

#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda_backend.h"

namespace gyre::cuda_backend {
namespace {

// The driver functions this file uses, as of the CUDA 12.0 ABI.
struct DriverApi {
  PFN_cuMemAddressReserve_v10020 address_reserve = nullptr;
  PFN_cuMemAddressFree_v10020 address_free = nullptr;
  PFN_cuMemCreate_v10020 create = nullptr;
  PFN_cuMemRelease_v10020 release = nullptr;
  PFN_cuMemMap_v10020 map = nullptr;
  PFN_cuMemUnmap_v10020 unmap = nullptr;
  PFN_cuMemSetAccess_v10020 set_access = nullptr;
  PFN_cuMemGetAllocationGranularity_v10020 granularity = nullptr;
  PFN_cuDeviceGetAttribute_v2000 attribute = nullptr;
  PFN_cuGetErrorName_v6000 error_name = nullptr;
  bool complete = false;
};

template <typename Function>
bool fetch(const char* symbol, Function& function) {
  void* pointer = nullptr;
  cudaDriverEntryPointQueryResult found{};
  if (cudaGetDriverEntryPointByVersion(symbol, &pointer, 12000, cudaEnableDefault, &found) !=
          cudaSuccess ||
      found != cudaDriverEntryPointSuccess) {
    cudaGetLastError();
    return false;
  }
  function = reinterpret_cast<Function>(pointer);
  return true;
}

const DriverApi& driver() {
  static const DriverApi api = [] {
    DriverApi result;
    result.complete =
        fetch("cuMemAddressReserve", result.address_reserve) &&
        fetch("cuMemAddressFree", result.address_free) && fetch("cuMemCreate", result.create) &&
        fetch("cuMemRelease", result.release) && fetch("cuMemMap", result.map) &&
        fetch("cuMemUnmap", result.unmap) && fetch("cuMemSetAccess", result.set_access) &&
        fetch("cuMemGetAllocationGranularity", result.granularity) &&
        fetch("cuDeviceGetAttribute", result.attribute) &&
        fetch("cuGetErrorName", result.error_name);
    return result;
  }();
  return api;
}

void check(CUresult status, const char* call, std::size_t bytes, int device) {
  if (status == CUDA_SUCCESS) return;
  const char* name = "unknown";
  driver().error_name(status, &name);
  const std::string message =
      strcat(call, " of ", bytes, " bytes on cuda:", device, " failed: ", name);
  if (status == CUDA_ERROR_OUT_OF_MEMORY) throw OutOfMemoryError(message);
  throw CudaError(message, static_cast<int>(status));
}

CUmemAllocationProp device_memory(int device) {
  CUmemAllocationProp properties{};
  properties.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  properties.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  properties.location.id = device;
  return properties;
}

}  // namespace

std::size_t vmm_granularity(int device) {
  const DriverApi& api = driver();
  if (!api.complete) return 0;
  int supported = 0;
  if (api.attribute(&supported, CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED, device) !=
          CUDA_SUCCESS ||
      supported == 0)
    return 0;
  const CUmemAllocationProp properties = device_memory(device);
  std::size_t granularity = 0;
  if (api.granularity(&granularity, &properties, CU_MEM_ALLOC_GRANULARITY_RECOMMENDED) !=
      CUDA_SUCCESS)
    return 0;
  return granularity;
}

void* vmm_reserve(std::size_t bytes, int device) {
  CUdeviceptr base = 0;
  check(driver().address_reserve(&base, bytes, 0, 0, 0), "cuMemAddressReserve", bytes, device);
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(base));
}

void vmm_release(void* base, std::size_t bytes) noexcept {
  driver().address_free(static_cast<CUdeviceptr>(reinterpret_cast<std::uintptr_t>(base)), bytes);
}

void* vmm_map(void* address, std::size_t bytes, int device) {
  const DriverApi& api = driver();
  const CUmemAllocationProp properties = device_memory(device);
  CUmemGenericAllocationHandle handle = 0;
  check(api.create(&handle, bytes, &properties, 0), "cuMemCreate", bytes, device);
  const auto pointer = static_cast<CUdeviceptr>(reinterpret_cast<std::uintptr_t>(address));
  CUresult status = api.map(pointer, bytes, 0, handle, 0);
  if (status == CUDA_SUCCESS) {
    CUmemAccessDesc access{};
    access.location = properties.location;
    access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
    status = api.set_access(pointer, bytes, &access, 1);
    if (status != CUDA_SUCCESS) api.unmap(pointer, bytes);
  }
  if (status != CUDA_SUCCESS) {
    api.release(handle);
    check(status, "cuMemMap/cuMemSetAccess", bytes, device);
  }
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(handle));
}

void vmm_unmap(void* address, std::size_t bytes, void* handle, int device) noexcept {
  int previous = 0;
  cudaGetDevice(&previous);
  cudaSetDevice(device);
  cudaDeviceSynchronize();  // kernels and copies still using the memory finish first
  cudaGetLastError();       // an earlier asynchronous failure is not this call's to report
  cudaSetDevice(previous);
  const DriverApi& api = driver();
  api.unmap(static_cast<CUdeviceptr>(reinterpret_cast<std::uintptr_t>(address)), bytes);
  api.release(static_cast<CUmemGenericAllocationHandle>(reinterpret_cast<std::uintptr_t>(handle)));
}

}  // namespace gyre::cuda_backend
