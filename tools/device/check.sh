#!/usr/bin/env bash
# Runs on the GPU machine (or here, as a rehearsal: the cuda steps then report skipped).
# Unpacks .device/bundle.tar.xz, runs every test including [cuda], the CUDA tests under
# compute-sanitizer, the GPU benchmarks and a short training run on cuda:0, writes logs
# and JSON under $OUT, and ends with a short table (only the end of the output comes back).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-$root/.device/out}
mkdir -p "$out"
work=$(mktemp -d)
tar -C "$work" -xJf "$root/.device/bundle.tar.xz"
# The bundle's libraries, then the machine's CUDA: the toolkit and PyTorch's cuDNN/NCCL.
cuda_paths=/usr/local/cuda/lib64
for directory in $(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null); do
  for library in "$directory"/nvidia/*/lib; do [[ -d $library ]] && cuda_paths="$cuda_paths:$library"; done
done
export LD_LIBRARY_PATH="$work/lib:$cuda_paths:${LD_LIBRARY_PATH:-}"
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-4}
cd "$work"

# On a GPU machine a skipped CUDA test is a failure: it means the GPU was not seen.
gpu=0
nvidia-smi -L >/dev/null 2>&1 && gpu=1
declare -a rows
step() {  # step NAME LOGFILE COMMAND...: runs, records pass/fail/skip and the seconds taken
  local name=$1 log=$2
  shift 2
  local start=$SECONDS status
  "$@" >"$out/$log" 2>&1
  status=$?
  local verdict=pass
  ((status == 77)) && verdict=skipped
  ((status == 77 && gpu == 1)) && verdict="FAIL(skipped on a GPU machine)"
  ((status != 0 && status != 77)) && verdict="FAIL($status)"
  rows+=("$(printf '%-34s %-10s %5ds  %s' "$name" "$verdict" $((SECONDS - start)) "$log")")
  echo "${rows[-1]}"  # each verdict as it finishes: only the end of the output comes back
}

{ nvidia-smi || echo "no nvidia-smi: not a GPU machine"; } >"$out/nvidia-smi.txt" 2>&1
echo "commit $(cat commit)" >>"$out/nvidia-smi.txt"
bin/gyre info --json >"$out/info.json" 2>&1

for test in runtime_tests workspace_tests kernels_tests kernels_cudnn_choice_tests nn_async_tests \
            parallel_tests; do
  step "$test" "$test.log" "bin/$test"
done
step "runtime_sim_tests" runtime_sim_tests.log env GYRE_SIM_DEVICES=4 bin/runtime_sim_tests
# The device suite: on the simulated devices, then on the GPU; then the CUDA-only tests.
suites=(runtime_device_tests workspace_device_tests kernels_device_tests nn_device_tests
        parallel_device_tests)
for test in "${suites[@]}"; do
  step "$test (sim)" "${test}_sim.log" env GYRE_TEST_DEVICE=sim GYRE_SIM_DEVICES=4 "bin/$test"
  step "$test (cuda)" "${test}_cuda.log" env GYRE_TEST_DEVICE=cuda "bin/$test"
done
for test in runtime_cuda_tests parallel_cuda_tests; do
  step "$test" "$test.log" "bin/$test"
done
# (the cases that read Debian's dataset path are left out: the GPU machine has no Debian packages)
step nn_tests nn_tests.log bin/nn_tests "~*Debian Fashion-MNIST*" "~*u8 features*"
if command -v compute-sanitizer >/dev/null && bin/runtime_cuda_tests >/dev/null 2>&1; then
  export GYRE_TEST_DEVICE=cuda
  step "memcheck workspace_device_tests" memcheck_workspace.log compute-sanitizer --tool memcheck --error-exitcode 1 bin/workspace_device_tests
  step "memcheck kernels_device_tests" memcheck_kernels.log compute-sanitizer --tool memcheck --error-exitcode 1 bin/kernels_device_tests
  step "racecheck kernels_device_tests" racecheck_kernels.log compute-sanitizer --tool racecheck --error-exitcode 1 bin/kernels_device_tests
  step "memcheck nn_device_tests" memcheck_nn.log compute-sanitizer --tool memcheck --error-exitcode 1 bin/nn_device_tests
  unset GYRE_TEST_DEVICE
else
  rows+=("$(printf '%-34s %-10s' "compute-sanitizer" "skipped")")
fi
step "bench alloc (GPU rows)" bench_alloc.log bin/gyre bench alloc --repetitions 3 --json "$out/bench_alloc.json"
step "bench kernels" bench_kernels.log bin/gyre bench kernels --benchmark_min_time=0.2 \
  --benchmark_out="$out/bench_kernels.json" --benchmark_out_format=json
if bin/runtime_cuda_tests >/dev/null 2>&1; then
  # PyTorch first, then Gyre, on the same card in the same run; gyre reads torch's JSON.
  step "bench gpu: pytorch" bench_torch_gpu.log python3 "$root/tools/bench/torch_gpu_bench.py" \
    --json "$out/torch_gpu.json"
  torch_json=()
  [[ -s $out/torch_gpu.json ]] && torch_json=(--torch "$out/torch_gpu.json")
  step "bench gpu: gyre (eager, graphs)" bench_gpu.log bin/gyre bench gpu --json "$out/bench_gpu.json" \
    "${torch_json[@]}"
  step "train MLP on cuda:0 (2 epochs)" train_cuda.log bin/gyre train --device cuda:0 --epochs 2 \
    --data "$work/data" --output "$out/model.safetensors"
fi

echo
printf '%-34s %-10s %6s  %s\n' "step" "result" "time" "log (under \$OUT)"
printf '%s\n' "${rows[@]}"
grep -h -E "ratio_vs_best|test accuracy" "$out/bench_alloc.log" "$out/train_cuda.log" 2>/dev/null | tail -4
grep -h -E "^(train step|inference),|_over_torch_" "$out/bench_gpu.log" 2>/dev/null | head -12
grep -h -A12 "^Summary" "$out/bench_kernels.log" 2>/dev/null | head -14
rm -rf "$work"
