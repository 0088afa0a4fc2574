#!/usr/bin/env bash
# Configures and builds one variant of Gyre into build/<variant>:
#   release  CUDA when the toolkit is found (GYRE_CUDA=AUTO), optimized: what `gyre` runs from
#   cpu      no CUDA
#   cuda     CUDA required (every CUDA source compiles and links, with or without a GPU)
#   asan     AddressSanitizer + UBSan, no CUDA
#   tsan     ThreadSanitizer, no CUDA, no MPI (the build without MPI is tested here)
#   fuzz     clang, libFuzzer + AddressSanitizer + UBSan, no CUDA: the fuzzers of tests/fuzz
# GYRE_WERROR=ON turns warnings into errors (CI does). Prints nothing but the build's errors.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
variant=${1:-release}
jobs=${GYRE_JOBS:-$(nproc)}

case "$variant" in
  release) options=(-DGYRE_CUDA=AUTO -DCMAKE_BUILD_TYPE=Release) ;;
  cpu)     options=(-DGYRE_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  cuda)    options=(-DGYRE_CUDA=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan)    options=(-DGYRE_CUDA=OFF -DCMAKE_BUILD_TYPE=Debug "-DGYRE_SANITIZE=address,undefined") ;;
  tsan)    options=(-DGYRE_CUDA=OFF -DCMAKE_BUILD_TYPE=Debug -DGYRE_SANITIZE=thread -DGYRE_MPI=OFF) ;;
  fuzz)    options=(-DGYRE_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DGYRE_SANITIZE=address,undefined"
                    -DGYRE_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "build.sh: unknown variant '$variant' (release, cpu, cuda, asan, tsan, fuzz)" >&2; exit 2 ;;
esac

build_dir="$root/build/$variant"
mkdir -p "$root/build"
cmake -S "$root" -B "$build_dir" -G Ninja "${options[@]}" \
  -DGYRE_WARNINGS_AS_ERRORS="${GYRE_WERROR:-OFF}" >"$build_dir.configure.log" 2>&1 ||
  { mkdir -p "$root/build"; cat "$build_dir.configure.log" >&2; exit 1; }
echo "build.sh: building $variant in build/$variant ($jobs jobs)"
cmake --build "$build_dir" -j "$jobs"
