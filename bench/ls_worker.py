"""Time the large-state circuit for some frameworks; print one JSON object on stdout.

``bench_large_state.py`` runs qnas and qiskit-aer in the main venv and starts this worker
in ``bench/.venv-peers`` for qulacs (set ``OMP_NUM_THREADS`` before starting it).

Example::

    OMP_NUM_THREADS=2 bench/.venv-peers/bin/python bench/ls_worker.py \
        --frameworks qulacs --sizes 16,18 --threads 2
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback

from ls_frameworks import PREPARE, versions
from spec import LARGE_LAYERS, large_state_ops
from timing import time_fn

# a single run above this size takes seconds: skip the warm-up run there
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


def run_framework(fw: str, sizes: list[int], args) -> dict:
    """``{str(n): {median_ms, ..., gates, gates_per_s[, z]}}`` for one framework."""
    out: dict = {}
    for n in sizes:
        try:
            ops = large_state_ops(n, args.layers)
            run, final_z = PREPARE[fw](n, ops, args.threads)
            warmup = 1 if n <= WARMUP_MAX_QUBITS else 0
            stats = time_fn(run, warmup=warmup, repeats=args.repeats, budget_s=args.budget_s)
            stats["gates"] = len(ops)
            stats["gates_per_s"] = len(ops) / (stats["median_ms"] / 1e3)
            if n in args.check_qubits:
                stats["z"] = final_z()
            out[str(n)] = stats
        except Exception:
            out[str(n)] = {"error": traceback.format_exc(limit=3)}
    return out


def add_common_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--layers", type=int, default=LARGE_LAYERS)
    ap.add_argument("--repeats", type=int, default=5, help="max timed runs per cell")
    ap.add_argument("--budget-s", type=float, default=6.0,
                    help="stop timing a cell after this many seconds (>= 1 timed run)")
    ap.add_argument("--check-qubits", type=parse_qubits, default=[16],
                    help="sizes at which <Z> per wire is compared across frameworks")


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
