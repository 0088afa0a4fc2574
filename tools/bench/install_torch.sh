#!/usr/bin/env bash
# Installs the PyTorch peer of the training benchmarks (tools/bench/torch_train_bench.py)
# into a virtual environment, build/torch-venv by default (ignored by git): PyPI's torch with
# its dependencies (about 5.4 GB, CUDA wheels included; the CPU is what the peer uses here).
# Idempotent: a second run only checks that torch imports.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
venv="${1:-build/torch-venv}"
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  echo "install_torch: installing torch into $venv"
  "$venv/bin/pip" install --quiet torch numpy
fi
"$venv/bin/python" -c "import torch; print('install_torch: torch', torch.__version__, 'in $venv')"
