"""Time the large-state circuit for some frameworks; print one JSON object on stdout.

``bench_large_state.py`` runs qnas and qiskit-aer in the main venv and starts this worker
in ``bench/.venv-peers`` for qulacs, lightning and TorchQuantum (set ``OMP_NUM_THREADS``
before starting it), and in its own interpreter for cuStateVec (``--device cuda``).

Example::

    OMP_NUM_THREADS=2 bench/.venv-peers/bin/python bench/ls_worker.py \
        --frameworks qulacs --sizes 16,18 --threads 2
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback

from ls_frameworks import CPU_ONLY, CUDA_ONLY, PREPARE, versions
from spec import LARGE_LAYERS, large_state_ops
from timing import device_sync, free_device_memory, time_fn

# a single CPU run above this size takes seconds: skip the warm-up run there (on a GPU the
# first run pays for CUDA/cuBLAS start-up and kernel loading, so there is always one)
WARMUP_MAX_QUBITS = 20


def parse_qubits(text: str) -> list[int]:
    """``"16,18"`` -> ``[16, 18]``."""
    try:
        sizes = [int(t) for t in text.split(",") if t.strip()]
    except ValueError as exc:
        raise ValueError(f"bad qubit list {text!r}: expected e.g. 16,18,20") from exc
    if not sizes or min(sizes) < 2:
        raise ValueError(f"qubit counts must be >= 2, got {text!r}")
    return sizes


def skip_note(fw: str, device: str) -> str | None:
    """Why ``fw`` is not run on ``device`` (``None``: it is run)."""
    if device != "cpu":
        return CPU_ONLY.get(fw)
    return CUDA_ONLY.get(fw)


def run_framework(fw: str, sizes: list[int], args) -> dict:
    """``{str(n): {median_ms, ..., gates, gates_per_s[, z]}}`` for one framework."""
    device = getattr(args, "device", "cpu")
    note = skip_note(fw, device)
    if note:
        return {"skipped": note}
    out: dict = {}
    for n in sizes:
        run = final_z = None
        try:
            ops = large_state_ops(n, args.layers)
            run, final_z = PREPARE[fw](n, ops, args.threads, device)
            warmup = 1 if n <= WARMUP_MAX_QUBITS or device != "cpu" else 0
            stats = time_fn(run, warmup=warmup, repeats=args.repeats, budget_s=args.budget_s,
                            sync=device_sync(device))
            stats["gates"] = len(ops)
            stats["gates_per_s"] = len(ops) / (stats["median_ms"] / 1e3)
            if n in args.check_qubits:
                stats["z"] = final_z()
            out[str(n)] = stats
        except Exception:
            out[str(n)] = {"error": traceback.format_exc(limit=3)}
        finally:
            run = final_z = None
            free_device_memory(device)
    return out


def add_common_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--layers", type=int, default=LARGE_LAYERS)
    ap.add_argument("--repeats", type=int, default=5, help="max timed runs per cell")
    ap.add_argument("--budget-s", type=float, default=6.0,
                    help="stop timing a cell after this many seconds (>= 1 timed run)")
    ap.add_argument("--check-qubits", type=parse_qubits, default=[16],
                    help="sizes at which <Z> per wire is compared across frameworks")
    ap.add_argument("--device", default="cpu",
                    help="torch device: cpu (default) or cuda[:i] (qnas, TorchQuantum, "
                         "cuStateVec; the CPU-only frameworks are skipped there)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="large-state worker")
    ap.add_argument("--frameworks", required=True)
    ap.add_argument("--sizes", type=parse_qubits, required=True)
    add_common_args(ap)
    args = ap.parse_args(argv)
    out: dict = {"results": {}, "versions": {}}
    for fw in args.frameworks.split(","):
        if fw not in PREPARE:
            raise ValueError(f"unknown framework {fw!r}; choose from {sorted(PREPARE)}")
        if skip_note(fw, args.device):
            out["results"][fw] = {"skipped": skip_note(fw, args.device)}
            continue
        try:
            out["versions"][fw] = versions(fw)
        except Exception:
            out["results"][fw] = {"error": traceback.format_exc(limit=2)}
            continue
        out["results"][fw] = run_framework(fw, args.sizes, args)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
