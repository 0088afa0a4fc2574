#!/usr/bin/env bash
# Prepares everything the GPU machine needs into .device/ (git-ignored, < 64 MiB): the CUDA
# build's test and benchmark binaries (stripped), the non-CUDA shared libraries they link
# (ldd tells; the CUDA libraries come from the GPU machine), the Fashion-MNIST files and
# tools/device/check.sh, packed as one xz archive. Run it here, then on the device:
#   run(command="tools/device/check.sh", carry=[".device"])
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
"$root/tools/setup.sh" >/dev/null
"$root/tools/build.sh" cuda >/dev/null

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/data" "$stage/configs"
binaries=(tools/gyre tools/gyre-bench-kernels
          tests/runtime/runtime_tests tests/runtime/runtime_cuda_tests
          tests/runtime/runtime_sim_tests tests/runtime/runtime_device_tests
          tests/workspace/workspace_tests tests/workspace/workspace_device_tests
          tests/kernels/kernels_tests tests/kernels/kernels_device_tests
          tests/kernels/kernels_cudnn_choice_tests
          tests/nn/nn_tests tests/nn/nn_device_tests tests/nn/nn_async_tests
          tests/parallel/parallel_tests tests/parallel/parallel_device_tests
          tests/parallel/parallel_cuda_tests)
for binary in "${binaries[@]}"; do
  strip -o "$stage/bin/$(basename "$binary")" "$root/build/cuda/$binary"
done
# Shared libraries that are not part of the CUDA toolkit, the driver or glibc.
for binary in "${binaries[@]}"; do ldd "$root/build/cuda/$binary"; done |
  awk '/=> \// {print $3}' | sort -u |
  grep -v -E '/(libc|libm|libdl|libpthread|librt|ld-linux[^/]*)\.so|/usr/local/cuda|libcuda\.so|libnvidia' |
  while read -r library; do cp -L "$library" "$stage/lib/"; done
cp /usr/share/datasets/fashion-mnist/*.gz "$stage/data/"
cp "$root/configs/"*.json "$stage/configs/"
git -C "$root" rev-parse --short HEAD > "$stage/commit"

mkdir -p "$root/.device"
tar -C "$stage" -cJf "$root/.device/bundle.tar.xz" .
size=$(stat -c %s "$root/.device/bundle.tar.xz")
echo "bundle.sh: .device/bundle.tar.xz, $((size / 1024 / 1024)) MiB, commit $(cat "$stage/commit")"
if ((size > 60 * 1024 * 1024)); then
  echo "bundle.sh: the bundle exceeds 60 MiB; the device tool carries at most 64 MiB" >&2
  exit 1
fi
