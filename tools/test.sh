#!/usr/bin/env bash
# The whole test suite, set-up included: installs what is missing, builds each variant
# asked for (default: cpu) and runs its tests with CTest.
#   tools/test.sh                  the CPU build and every test
#   tools/test.sh cpu cuda asan    what CI runs (see .ci/run)
# In the cuda variant the [cuda] tests run when a GPU is present and are reported as
# skipped otherwise. The sanitizer variants run the tests labelled for them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tools/setup.sh"

variants=("$@")
((${#variants[@]})) || variants=(cpu)
for variant in "${variants[@]}"; do
  "$root/tools/build.sh" "$variant"
  labels=()
  case "$variant" in
    asan) labels=(-L sanitize) ;;
    tsan) labels=(-L threads) ;;
    # Each fuzzer runs GYRE_FUZZ_SECONDS (20 by default) from its seed corpus.
    fuzz) labels=(-L fuzz) ;;
    # Without a GPU the CUDA build trains on the CPU exactly as the cpu variant did.
    cuda) labels=(-LE accuracy) ;;
  esac
  echo "test.sh: testing $variant"
  (cd "$root/build/$variant" &&
    ctest --output-on-failure -j "${GYRE_JOBS:-$(nproc)}" "${labels[@]}")
done
