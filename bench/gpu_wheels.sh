#!/usr/bin/env bash
# Download (here, with access to the package index) the wheels that bench/gpu.sh installs on
# the GPU machine, which has no internet and only: Python 3.12 (python3), torch 2.11+cu130
# (and its dependencies: sympy, networkx, jinja2, filelock, fsspec, typing_extensions),
# numpy, scipy, cupy, pytest (packaging), rich, tqdm.
#
#   bash bench/gpu_wheels.sh              # -> .whl/       TorchQuantum 0.1.8 + what its import needs
#   bash bench/gpu_wheels.sh --custatevec # -> .whl-cusv/  cuStateVec's library (custatevec-cu13)
#
# Both folders are git-ignored; a device call carries ONE of them (the 64 MiB limit covers the
# carried paths and the working tree together):
#   carry [".whl"],      command "bash bench/gpu.sh"                              (B1 + B2)
#   carry [".whl-cusv"], command "bash bench/gpu.sh --b2 --tag custatevec"       (B2 + cuStateVec)
#
# qnas itself needs nothing beyond torch, numpy and tqdm (its core imports no qiskit), so no
# wheel is needed for it: gpu.sh puts src/ on PYTHONPATH.
#
# .whl/ (about 33 MB): torchquantum 0.1.8 and torchpack 0.3.1 (both installed --no-deps, as in
# bench/setup_peers.sh) and what `import torchquantum` reaches (measured in bench/.venv-peers):
# the qiskit 0.46.3 stack (qiskit-terra, qiskit-aer 0.14.2, qiskit-ibm-runtime 0.20.0 and
# their imports), setuptools<81 (pkg_resources), pathos, dill, opt-einsum, torchdiffeq, loguru,
# multimethod, pyyaml, toml. Left out: matplotlib (+ pillow, fonttools, kiwisolver: ~24 MB;
# bench/tq_import.py gives torchquantum a stand-in, it only plots with it), torchvision (same,
# already a stand-in on the CPU), symengine (optional for qiskit 0.46; sympy comes with torch).
# The versions are those of bench/.venv-peers.
#
# .whl-cusv/ (about 60 MB): custatevec-cu13 1.15.0, i.e. libcustatevec.so.1 (69 MB unpacked;
# xz does not shrink it: 58 MB). bench/ls_frameworks.py calls it through ctypes. The Python
# bindings, cuquantum-python-cu13 26.9.0, are another 10.6 MB wheel that requires
# nvmath-python and the cuTensorNet/cuDensityMat libraries: with them, or with .whl/, it does
# not fit in one device call, hence the separate folder and call.
#
# Env: PY_VERSION (default 3.12), DEST (default .whl or .whl-cusv at the repo root).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY_VERSION="${PY_VERSION:-3.12}"
MODE="${1:-}"

TQ_WHEELS=(
    torchquantum==0.1.8 torchpack==0.3.1
    qiskit==0.46.3 qiskit-terra==0.46.3 qiskit-aer==0.14.2 qiskit-ibm-runtime==0.20.0
    rustworkx==0.18.1 ply==3.11 psutil==7.2.2 stevedore==5.10.0 python-dateutil==2.9.0.post0
    six==1.17.0 dill==0.4.1
    requests==2.34.2 urllib3==2.8.0 certifi==2026.10.19.post1 charset-normalizer==3.5.3
    idna==3.20 requests_ntlm==1.3.0 pyspnego==0.12.4 cryptography==50.0.2 cffi==2.1.1
    pycparser==3.12 websocket-client==1.9.2 PyJWT==2.15.1 ibm-platform-services==0.77.1
    ibm-cloud-sdk-core==3.28.0
    setuptools==80.10.2
    pathos==0.3.5 ppft==1.7.8 pox==0.3.7 multiprocess==0.70.19
    opt-einsum==3.4.0 torchdiffeq==0.2.5 loguru==0.7.3 multimethod==2.1 PyYAML==6.0.4
    toml==0.10.2
)
CUSV_WHEELS=(custatevec-cu13==1.15.0)

case "$MODE" in
    "") DEST="${DEST:-$ROOT/.whl}"; WHEELS=("${TQ_WHEELS[@]}") ;;
    --custatevec) DEST="${DEST:-$ROOT/.whl-cusv}"; WHEELS=("${CUSV_WHEELS[@]}") ;;
    *) echo "usage: bash bench/gpu_wheels.sh [--custatevec]" >&2; exit 2 ;;
esac

mkdir -p "$DEST"
echo "downloading ${#WHEELS[@]} wheels for CPython $PY_VERSION (manylinux x86_64) into $DEST"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
        --python-version "$PY_VERSION" --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d "$DEST" "${WHEELS[@]}" >"$log" 2>&1; then
    grep -v "is ignored: it is neither a file nor a directory" "$log" >&2 || true
    exit 1
fi
ls -1 "$DEST"
total=$(du -cb "$DEST"/*.whl | tail -1 | cut -f1)
tree=$(cd "$ROOT" && git ls-files -co --exclude-standard -z | du -cb --files0-from=- | tail -1 | cut -f1)
echo "$(ls "$DEST"/*.whl | wc -l) wheels, $((total / 1000000)) MB in $DEST;" \
    "working tree $((tree / 1000000)) MB; a device call carries at most 67 MB (64 MiB)"
if (( total + tree > 64 * 1024 * 1024 )); then
    echo "WARNING: $DEST plus the working tree exceed 64 MiB" >&2
fi
