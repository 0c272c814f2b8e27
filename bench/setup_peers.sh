#!/usr/bin/env bash
# Create bench/.venv-peers with the frameworks qnas is benchmarked against.
#
#   bash bench/setup_peers.sh          # idempotent: skips when already set up
#   bash bench/setup_peers.sh --force  # wipe and rebuild
#
# Contents (all CPU): torch==2.13.0 (installed FIRST, exact pin, CPU wheel from pip's
# find-links; every later install runs with a torch==2.13.0 constraint so nothing can pull
# a CUDA build), torchquantum==0.1.8, pennylane (torch interface), qulacs, qiskit-aer.
#
# TorchQuantum 0.1.8 pins conflict with a modern stack (qiskit<1.0, dill==0.3.4,
# tensorflow, torchvision, ...), so it is installed with --no-deps plus only what
# `import torchquantum` really needs:
#   - qiskit 0.46.3 (last 0.x: still has qiskit.test.mock, qiskit.IBMQ/Aer wrappers,
#     execute, qiskit.providers.aer -> qiskit_aer redirect; and supports numpy 2, which
#     pennylane needs), qiskit-aer 0.14.2, qiskit-ibm-runtime 0.20.0 (last for qiskit<1),
#     setuptools<81 (that runtime imports pkg_resources);
#   - torchpack 0.3.1 with --no-deps + loguru, multimethod, pyyaml, toml;
#   - opt-einsum, dill, pathos, torchdiffeq, matplotlib, scipy.
# torchvision is NOT installed: PyPI only has CUDA builds, whose C extension cannot load
# against CPU torch; bench/tq_import.py gives torchquantum an in-memory stand-in for the
# few torchvision names its (unused) dataset module touches at import time.
# Note: the large-state benchmark times qiskit-aer from the main venv (qiskit 2.x, aer
# 0.18); the aer here is only TorchQuantum's import dependency.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv-peers"
PY_BIN="${PEERS_PYTHON:-python3.11}"
STAMP_VERSION="peers-v1 torch==2.13.0 torchquantum==0.1.8 pennylane==0.45.1 qulacs==0.6.14"
STAMP="$VENV/.peers-installed"

report() {
    PYTHONPATH="$HERE" "$VENV/bin/python" - <<'EOF'
import importlib.metadata as md
from tq_import import import_torchquantum
tq = import_torchquantum()
import pennylane, qulacs, qiskit, qiskit_aer, torch, numpy  # noqa: F401
names = ["torch", "torchquantum", "pennylane", "pennylane_lightning", "qulacs", "qiskit",
         "qiskit-aer", "qiskit-ibm-runtime", "numpy", "scipy"]
print("peers venv versions: " + ", ".join(f"{n}={md.version(n)}" for n in names))
EOF
}

if [[ "${1:-}" == "--force" ]]; then
    rm -rf "$VENV"
fi
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_VERSION" ]] && report 2>/dev/null; then
    echo "bench/.venv-peers already set up (use --force to rebuild)"
    exit 0
fi

command -v "$PY_BIN" >/dev/null || PY_BIN=python3
"$PY_BIN" -c 'import sys; assert sys.version_info >= (3, 11), "pennylane 0.45 needs Python >= 3.11"'
test -x "$VENV/bin/python" || "$PY_BIN" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)
CONSTRAINTS="$(mktemp)"
trap 'rm -f "$CONSTRAINTS"' EXIT
echo "torch==2.13.0" >"$CONSTRAINTS"
# run a pip command, hiding the find-links noise but keeping its exit status
quiet() {
    local rc=0 log
    log="$(mktemp)"
    "$@" >"$log" 2>&1 || rc=$?
    grep -v "is ignored: it is neither a file nor a directory" "$log" || true
    rm -f "$log"
    return "$rc"
}

echo "[1/4] torch==2.13.0 (CPU wheel)"
quiet "${PIP[@]}" "torch==2.13.0"
"$VENV/bin/python" -c 'import torch, sys; sys.exit(0 if torch.version.cuda is None else 1)' \
    || { echo "ERROR: a CUDA torch got installed in $VENV" >&2; exit 1; }

echo "[2/4] torchquantum==0.1.8 and torchpack==0.3.1 (--no-deps)"
quiet "${PIP[@]}" --no-deps "torchquantum==0.1.8" "torchpack==0.3.1"

echo "[3/4] what 'import torchquantum' needs (old qiskit 0.46 stack)"
quiet "${PIP[@]}" -c "$CONSTRAINTS" "numpy>=2" scipy matplotlib "qiskit==0.46.3" \
    "qiskit-aer==0.14.2" "qiskit-ibm-runtime==0.20.0" "setuptools<81" opt-einsum dill pathos \
    torchdiffeq loguru multimethod pyyaml toml tqdm

echo "[4/4] pennylane==0.45.1, qulacs==0.6.14"
quiet "${PIP[@]}" -c "$CONSTRAINTS" "pennylane==0.45.1" "qulacs==0.6.14"

report
echo "$STAMP_VERSION" >"$STAMP"
echo "bench/.venv-peers ready"
