#!/usr/bin/env bash
# Installs every Debian package Gyre needs, and only what is missing. Idempotent:
# a second run installs nothing. The CUDA toolkit is not a Debian package here; it is
# expected in /usr/local/cuda (or on PATH) and is optional (GYRE_CUDA=AUTO).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libopenblas-dev            # CPU BLAS
  libsleef-dev               # vectorized exp and tanh
  libspdlog-dev libfmt-dev   # logging
  catch2                     # tests (Catch2 2.13)
  libbenchmark-dev           # microbenchmarks
  nlohmann-json3-dev         # JSON configs and statistics
  libcli11-dev               # gyre CLI
  libcpp-httplib-dev         # gyre serve
  libopenmpi-dev openmpi-bin # multi-process training
  zlib1g-dev                 # gzip IDX files
  libjemalloc-dev libmimalloc-dev  # allocator benchmark peers
  dataset-fashion-mnist      # the main job's data
  clang clang-format libclang-rt-14-dev   # sanitizers, fuzzers, formatting
)
# libtorch-dev is a benchmark peer only: the build works without it. It is large, so
# GYRE_SKIP_TORCH=1 leaves it out (CI does, to stay fast).
if [[ "${GYRE_SKIP_TORCH:-0}" != 1 ]]; then packages+=(libtorch-dev); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) != 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
