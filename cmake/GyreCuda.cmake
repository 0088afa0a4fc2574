# Resolves GYRE_CUDA=AUTO|ON|OFF into GYRE_HAS_CUDA and, when on, enables CUDA.
# AUTO turns CUDA on when both nvcc and the toolkit's libraries are found.
include(CheckLanguage)

set(GYRE_HAS_CUDA OFF)
if(NOT GYRE_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  find_package(CUDAToolkit QUIET)
  if(CMAKE_CUDA_COMPILER AND CUDAToolkit_FOUND)
    set(GYRE_HAS_CUDA ON)
  elseif(GYRE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "GYRE_CUDA=ON but nvcc or the CUDA toolkit was not found "
                        "(looked on PATH and in /usr/local/cuda). Install the toolkit or use -DGYRE_CUDA=OFF.")
  endif()
endif()

if(GYRE_HAS_CUDA)
  # Hopper (H100/H200) natively, Ampere as the older architecture, and Hopper PTX for
  # anything newer. Overridable with -DCMAKE_CUDA_ARCHITECTURES=...
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES "80-real;90-real;90-virtual")
  endif()
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
endif()
