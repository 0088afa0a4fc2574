#!/usr/bin/env bash
# gyre train on simulated devices, as a user runs it:
#   same-bits GYRE  one epoch on sim:0 writes the model file one epoch on the CPU writes, byte
#                   for byte (same kernels, same order)
#   workers GYRE    four ParallelWrapper workers on sim:0..3 reach >= 0.85 test accuracy in
#                   two epochs
set -euo pipefail
check=$1
gyre=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GYRE_SIM_DEVICES=4
case "$check" in
  same-bits)
    "$gyre" train --device cpu --epochs 1 --output "$work/cpu.safetensors" >"$work/cpu.log" 2>&1
    "$gyre" train --device sim:0 --epochs 1 --output "$work/sim.safetensors" >"$work/sim.log" 2>&1
    grep "test accuracy" "$work/cpu.log" "$work/sim.log"
    cmp "$work/cpu.safetensors" "$work/sim.safetensors"
    echo "sim:0 and cpu wrote the same model file"
    ;;
  workers)
    "$gyre" train --device sim --workers 4 --epochs 2 --output "$work/model.safetensors" \
      >"$work/train.log" 2>&1 || { cat "$work/train.log"; exit 1; }
    grep -E "data-parallel|test accuracy" "$work/train.log"
    accuracy=$(grep -oE "epoch 2/2: .*test accuracy [0-9.]+" "$work/train.log" | grep -oE "[0-9.]+$")
    awk -v a="$accuracy" 'BEGIN { exit !(a >= 0.85) }' ||
      { echo "test accuracy $accuracy < 0.85"; exit 1; }
    echo "4 sim workers: test accuracy $accuracy"
    ;;
  *) echo "unknown check $check" >&2; exit 2 ;;
esac
