"""Time to a result: one ``qnas run`` end to end (all stages, baselines included), per stage.

Runs the pipeline the way ``qnas run`` does (``qnas.pipeline.run.run_pipeline``, the default
``quick`` preset unless ``--set`` says otherwise) in a fresh temporary run directory and
records every stage's wall time and CPU time (the process's, all threads: less sensitive to
other jobs on a shared machine), plus the machine's load average before and after.

Usage::

    .venv/bin/python bench/bench_time_to_result.py --data-dir ../shared/data
    .venv/bin/python bench/bench_time_to_result.py --task mnist4 --device quito \
        --set supercircuit.epochs=4 --out bench/results/time_to_result_sc4.json

Writes ``bench/results/time_to_result.json`` (``--out`` elsewhere).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from functools import reduce
from pathlib import Path

from report import format_table, machine_info, write_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--task", default="mnist4")
    ap.add_argument("--device", default="lagos")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=os.environ.get("QNAS_DATA"))
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    from qnas.cli.options import parse_set
    from qnas.config import load_config, merge
    from qnas.pipeline.run import run_pipeline
    from qnas.rundir import RunDir

    overrides = reduce(merge, map(parse_set, args.set),
                       {"task": args.task, "device": args.device, "seed": args.seed,
                        "data": {"dir": args.data_dir}})
    cfg = load_config(overrides=overrides)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        results = run_pipeline(cfg, Path(tmp) / "run", progress=False, log=lambda *_: None)
        total = time.perf_counter() - t
        run = RunDir(Path(tmp) / "run")
        wall, cpu = run.stage_seconds(), run.stage_seconds("cpu_seconds")
    rows = [[k, wall[k], cpu.get(k)] for k in wall]
    rows.append(["total (run_pipeline)", total, sum(v or 0 for v in cpu.values())])
    print(format_table(["stage", "wall s", "cpu s"], rows))
    table = {r["model"]: r.get("aer_exact_acc") for r in results["table"]}
    payload = {"command": "bench/bench_time_to_result.py " + " ".join(
                   f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
                   if k in ("task", "device", "seed") and v is not None)
               + "".join(f" --set {s}" for s in args.set),
               "machine": machine_info(), "loadavg_before": load_before,
               "loadavg_after": os.getloadavg(), "config": cfg.to_dict(),
               "stage_wall_s": wall, "stage_cpu_s": cpu, "total_wall_s": total,
               "aer_exact_acc": table}
    print("wrote", write_json("time_to_result", payload, args.out))


if __name__ == "__main__":
    main()
