#pragma once
// RAII wrappers for the cuDNN descriptors of NCHW float tensors, OIHW filters,
// convolutions and pooling windows.
#include <cudnn.h>

#include <cstdint>

#include "kernels/backend.h"
#include "kernels/cuda/library_handles.h"

namespace gyre::kernels::cuda {

class TensorDescriptor {
 public:
  TensorDescriptor(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w);
  ~TensorDescriptor() { cudnnDestroyTensorDescriptor(descriptor_); }
  TensorDescriptor(const TensorDescriptor&) = delete;
  TensorDescriptor& operator=(const TensorDescriptor&) = delete;
  operator cudnnTensorDescriptor_t() const { return descriptor_; }

 private:
  cudnnTensorDescriptor_t descriptor_ = nullptr;
};

class FilterDescriptor {
 public:
  explicit FilterDescriptor(const ConvGeometry& geometry);
  ~FilterDescriptor() { cudnnDestroyFilterDescriptor(descriptor_); }
  FilterDescriptor(const FilterDescriptor&) = delete;
  FilterDescriptor& operator=(const FilterDescriptor&) = delete;
  operator cudnnFilterDescriptor_t() const { return descriptor_; }

 private:
  cudnnFilterDescriptor_t descriptor_ = nullptr;
};

class ConvolutionDescriptor {
 public:
  explicit ConvolutionDescriptor(const ConvGeometry& geometry);
  ~ConvolutionDescriptor() { cudnnDestroyConvolutionDescriptor(descriptor_); }
  ConvolutionDescriptor(const ConvolutionDescriptor&) = delete;
  ConvolutionDescriptor& operator=(const ConvolutionDescriptor&) = delete;
  operator cudnnConvolutionDescriptor_t() const { return descriptor_; }

 private:
  cudnnConvolutionDescriptor_t descriptor_ = nullptr;
};

class PoolingDescriptor {
 public:
  PoolingDescriptor(Pooling pooling, const ConvGeometry& geometry);
  ~PoolingDescriptor() { cudnnDestroyPoolingDescriptor(descriptor_); }
  PoolingDescriptor(const PoolingDescriptor&) = delete;
  PoolingDescriptor& operator=(const PoolingDescriptor&) = delete;
  operator cudnnPoolingDescriptor_t() const { return descriptor_; }

 private:
  cudnnPoolingDescriptor_t descriptor_ = nullptr;
};

}  // namespace gyre::kernels::cuda
