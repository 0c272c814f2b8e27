#!/usr/bin/env bash
# GPU benchmarks (issue 11, item 6), meant to be the whole command of a device call:
#   B1 training step (bench_train_step.py --device cuda): qnas vs TorchQuantum 0.1.8 on the same
#      GPU at batch 4096 with 4, 10 and 16 qubits, plus 16 x 256 (TorchQuantum keeps every
#      gate's input for the backward pass: ~170 MB per sample at 16 qubits, so 16 x 4096 may
#      not fit in its memory);
#   B2 large statevector (bench_large_state.py --device cuda): 24, 26, 28, 30 qubits, qnas vs
#      TorchQuantum vs cuStateVec (only when its library is there: see the second call).
#
# Steps (the device has no internet; bench/gpu_wheels.sh explains the wheel folders):
#   here:    bash bench/gpu_wheels.sh                   # -> .whl/ (~31 MB, TorchQuantum)
#   device:  run(carry=[".whl"], command="bash bench/gpu.sh", timeout_s=540)    # ~5 min (H100)
#   optional cuStateVec (60 MB library: does not fit in the same call as .whl/):
#   here:    bash bench/gpu_wheels.sh --custatevec      # -> .whl-cusv/
#   device:  run(carry=[".whl-cusv"], command="bash bench/gpu.sh --b2 --tag custatevec",
#                timeout_s=300)                                                  # ~2 min
# Artifacts in $OUT (else bench/results/): gpu_train_step[_TAG].json, gpu_large_state[_TAG].json
# (each with "device_name", the card) and gpu[_TAG].log. Copy them to bench/results/ and put the
# figures, with the card's name and these commands, in bench/RESULTS.md.
#
# Options: --b1 / --b2 (only that part; default both), --tag NAME (suffix of the artifacts),
# --cpu-smoke (or GPU_SMOKE=1): the same code paths with --device cpu, tiny sizes and the local
# venvs (.venv, bench/.venv-peers), < 1 min, artifacts in ${OUT:-/tmp/qnas_gpu_smoke}.
# Env overrides: PY, B1_SIZES, B2_SIZES, GPU_DEVICE (default cuda).
set -uo pipefail   # no -e: a failing part must not cost the other part's artifacts
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

SMOKE="${GPU_SMOKE:-0}"
PARTS=""
TAG=""
while (($#)); do
    case "$1" in
        --cpu-smoke) SMOKE=1 ;;
        --b1) PARTS+=" b1" ;;
        --b2) PARTS+=" b2" ;;
        --tag) TAG="_${2:?--tag needs a name}"; shift ;;
        -h | --help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "gpu.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
PARTS="${PARTS:- b1 b2} "

if [[ "$SMOKE" == 1 ]]; then
    DEV=cpu
    PY="${PY:-$ROOT/.venv/bin/python}"
    PEERS=(--peers-python "$ROOT/bench/.venv-peers/bin/python")
    OUTDIR="${OUT:-/tmp/qnas_gpu_smoke}"
    B1_SIZES="${B1_SIZES:-4x64}"
    B1_TIMING=(--warmup 1 --repeats 2 --budget-s 1)
    B2_SIZES="${B2_SIZES:-12,14}"
    B2_TIMING=(--repeats 2 --budget-s 1 --check-qubits 12 --threads 1)
    LIMIT_S=120
else
    DEV="${GPU_DEVICE:-cuda}"
    PY="${PY:-python3}"
    PEERS=(--peers-python same)   # one interpreter on the GPU machine; TorchQuantum from .whl/
    OUTDIR="${OUT:-$ROOT/bench/results}"
    B1_SIZES="${B1_SIZES:-4x4096,10x4096,16x256,16x4096}"
    B1_TIMING=(--warmup 3 --repeats 15 --budget-s 5)
    B2_SIZES="${B2_SIZES:-24,26,28,30}"
    B2_TIMING=(--repeats 5 --budget-s 4 --check-qubits 24)
    LIMIT_S=220   # per part: the whole script stays under ~7.5 min even if both hit it
fi
mkdir -p "$OUTDIR"
LOG="$OUTDIR/gpu${TAG}.log"

main() {
    local t0=$SECONDS rc
    echo "[gpu.sh] $(date -u +%FT%TZ) parts:$PARTS device $DEV, artifacts in $OUTDIR"
    if [[ "$SMOKE" != 1 ]]; then
        for d in .whl .whl-cusv; do
            if compgen -G "$d/*.whl" >/dev/null; then
                echo "[gpu.sh] installing $(ls "$d"/*.whl | wc -l) wheels from $d into /tmp/site"
                "$PY" -m pip install -q --disable-pip-version-check --no-index --no-deps \
                    --no-compile --no-cache-dir --upgrade --target /tmp/site "$d"/*.whl \
                    || echo "[gpu.sh] WARNING: installing $d failed"
            fi
        done
        export PYTHONPATH="$ROOT/src:/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
        nvidia-smi -L || echo "[gpu.sh] (no nvidia-smi)"
    else
        export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
    fi
    "$PY" -c 'import sys, torch
print("python", sys.version.split()[0], "| torch", torch.__version__, "| cuda", torch.version.cuda,
      "| available", torch.cuda.is_available(),
      "|", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU")'

    local b2_fw="qnas,torchquantum" probe
    if [[ "$SMOKE" == 1 ]]; then
        b2_fw+=",custatevec"   # exercises the "CUDA only, skipped" path
    elif probe=$(PYTHONPATH="$ROOT/bench:$PYTHONPATH" "$PY" -c \
            'import ls_frameworks as f; print("cuStateVec", f.versions("custatevec"))' 2>&1); then
        echo "[gpu.sh] $probe"
        b2_fw+=",custatevec"
    else
        echo "[gpu.sh] no cuStateVec ($(tail -n 1 <<<"$probe")): B2 without it (see the second call)"
    fi

    if [[ "$PARTS" == *" b1 "* ]]; then
        echo "[gpu.sh] == B1 training step, $B1_SIZES, qnas vs TorchQuantum on $DEV"
        timeout -k 10 "$LIMIT_S" "$PY" bench/bench_train_step.py --device "$DEV" \
            --sizes "$B1_SIZES" --frameworks qnas,torchquantum "${PEERS[@]}" "${B1_TIMING[@]}" \
            --out "$OUTDIR/gpu_train_step${TAG}.json"
        rc=$?
        ((rc)) && echo "[gpu.sh] B1 exited with status $rc (124: over ${LIMIT_S} s)"
    fi
    if [[ "$PARTS" == *" b2 "* ]]; then
        echo "[gpu.sh] == B2 large state, $B2_SIZES qubits, $b2_fw on $DEV"
        timeout -k 10 "$LIMIT_S" "$PY" bench/bench_large_state.py --device "$DEV" \
            --sizes "$B2_SIZES" --frameworks "$b2_fw" "${PEERS[@]}" "${B2_TIMING[@]}" \
            --out "$OUTDIR/gpu_large_state${TAG}.json"
        rc=$?
        ((rc)) && echo "[gpu.sh] B2 exited with status $rc (124: over ${LIMIT_S} s)"
    fi
    echo "[gpu.sh] done in $((SECONDS - t0)) s"
    ls -l "$OUTDIR"
    return 0
}

main 2>&1 | tee "$LOG"
