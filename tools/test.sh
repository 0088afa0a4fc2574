#!/usr/bin/env bash
# The whole test suite, set-up included: installs what is missing, builds each variant
# asked for (default: cpu) and runs its tests with CTest.
#   tools/test.sh                  the CPU build and every test
#   tools/test.sh cpu cuda asan    what CI runs (see .ci/run)
# In the cuda variant the [cuda] tests run when a GPU is present and are reported as
# skipped otherwise. The device suite runs on four simulated devices in every variant
# (label sim), and in the cpu variant again with chaos on for three seeds. The sanitizer
# variants run the tests labelled for them.
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
  # The device suite on the simulated devices again, with chaos on: seeded random delays
  # before stream operations show a missing wait or an early reuse
  # (docs/design/simulated-devices.md says how to read a failure).
  if [[ "$variant" == cpu ]]; then
    for seed in ${GYRE_CHAOS_SEEDS:-1 2 3}; do
      echo "test.sh: the sim device suite with GYRE_SIM_DELAY=$seed"
      (cd "$root/build/$variant" && GYRE_SIM_DELAY=$seed \
        ctest --output-on-failure -j "${GYRE_JOBS:-$(nproc)}" -L sim)
    done
  fi
done
