#!/usr/bin/env bash
# The main job, set-up included: installs what is missing, builds the release variant
# (with CUDA when the toolkit is found) and runs `gyre` with the given arguments
# (default: `train`, the MLP on Fashion-MNIST).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tools/setup.sh" >&2
"$root/tools/build.sh" release >&2
args=("$@")
((${#args[@]})) || args=(train)
exec "$root/build/release/tools/gyre" "${args[@]}"
