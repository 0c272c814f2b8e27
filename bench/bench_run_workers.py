"""A whole ``qnas run`` with and without a process pool, as a new user runs it.

``qnas run --task digits4 --device santiago --preset quick`` (the ``make demo`` row) with
``--workers 0`` (in-process) and ``--workers N`` (the run's process pool, started with the
run), alternating, ``--repeats`` times; each run in a fresh output directory and process.
Records the wall time of the command and each stage's seconds (``results.json``), and checks
that both give the same table (models, accuracies, layouts).

Usage::

    .venv/bin/python bench/bench_run_workers.py          # writes bench/results/run_workers.json
    .venv/bin/python bench/bench_run_workers.py --repeats 1 --task mnist4 --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
QNAS = Path(sys.executable).with_name("qnas")
TIMES = ("seconds", "cpu_seconds")


def timeless(x):
    """``x`` without wall or CPU times (what must be identical between the two)."""
    if isinstance(x, dict):
        return {k: timeless(v) for k, v in x.items() if k not in TIMES}
    return [timeless(v) for v in x] if isinstance(x, list) else x


def one_run(args, workers: int, out: Path) -> dict:
    cmd = [str(QNAS), "run", "--task", args.task, "--device", args.device, "--preset",
           args.preset, "--seed", str(args.seed), "--out", str(out), "--workers",
           str(workers), "--no-progress"]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr[-3000:]}")
    res = json.loads((out / "results.json").read_text())
    return {"workers": workers, "wall_s": round(wall, 2), "load_avg_1min_before": round(load, 2),
            "stage_seconds": {k: round(v, 2) for k, v in res["stage_seconds"].items()},
            "table": timeless(res["table"])}


def main(argv=None) -> int:
    from bench_executors import row_arguments  # this script's folder is on sys.path

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    row_arguments(ap)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(BENCH / "results" / "run_workers.json"))
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="qnas-bench-run-"))
    runs = []
    for rep in range(args.repeats):
        for w in (0, args.workers):
            r = one_run(args, w, root / f"w{w}-{rep}")
            r["repeat"] = rep
            runs.append(r)
            print(json.dumps({k: v for k, v in r.items() if k != "table"}), flush=True)
    ref = runs[0]["table"]
    same = all(r["table"] == ref for r in runs)

    def med(w, key, stage=None):
        vals = [r["stage_seconds"].get(stage, 0.0) if stage else r[key]
                for r in runs if r["workers"] == w]
        return statistics.median(vals)

    stages = sorted({s for r in runs for s in r["stage_seconds"]})
    summary = {"wall_s": {w: med(w, "wall_s") for w in (0, args.workers)},
               "stages_s": {s: {w: med(w, None, s) for w in (0, args.workers)} for s in stages}}
    for part in [summary["wall_s"], *summary["stages_s"].values()]:
        a, b = part[0], part[args.workers]
        part["speedup"] = round(a / b, 2) if b > 0 else None
    out = {"command": "python bench/bench_run_workers.py " + " ".join(
               argv if argv is not None else sys.argv[1:]),
           "machine": {"cpus": os.cpu_count(), "load_avg_at_end": os.getloadavg()},
           "summary": summary, "identical_tables": same,
           "runs": [{k: v for k, v in r.items() if k != "table"} for r in runs]}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    print(f"wrote {args.out}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
