"""Search-stage time with each executor: local (in-process), pool (a process pool made for the
search), run-pool (the pool of ``qnas run --workers N``: made when the run starts, ready by
its first search), dask and ray (``--workers`` each).

The same co-searches as ``qnas run`` (the quick digits4 row by default): the noise-adaptive
co-search (stage ``search``) and the noise-unaware one (stage ``baseline_noise_unaware``'s
search), after training the SuperCircuit (``--supercircuit-epochs``, default the preset's;
``0``: seed-initialised weights; trained once and kept in ``--workdir``).

Each search runs in a fresh Python process, as in ``qnas run`` (the in-process caches of
compiled circuits would otherwise favour whichever run comes later), and is timed as its
stage times it: executor creation, ``run_search`` and ``close()`` (which returns at once; the
cluster's shutdown, reported as ``background_shutdown_s``, is awaited before the process
exits). Executors alternate within each repeat. ``process_tree_cpu_s`` is the CPU time the
whole process tree used (driver, engine daemons, workers; imports and Context included): a
load-independent measure of each engine's overhead. Every executor must give the local
executor's results exactly (same candidates, same fitness, bit for bit).

Usage::

    .venv/bin/python bench/bench_executors.py          # writes bench/results/executors.json
    .venv/bin/python bench/bench_executors.py --executors local,dask --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SEARCHES = (("search", True), ("search_noise_unaware", False))


def make_context(args, train: bool):
    """The run's Context with the trained SuperCircuit (trained here if ``train``)."""
    from qnas.config import RESUME_FREE, load_config
    from qnas.pipeline.context import Context
    from qnas.pipeline.stages import supercircuit
    from qnas.rundir import RunDir

    over = {"task": args.task, "device": args.device, "seed": args.seed}
    if args.supercircuit_epochs:
        over["supercircuit"] = {"epochs": args.supercircuit_epochs}
    cfg = load_config(preset=args.preset, overrides=over)
    ctx = Context(cfg)
    if args.supercircuit_epochs != 0:
        run = Path(args.workdir) / "run"
        if not train and not (run / "stages" / "supercircuit.json").exists():
            raise SystemExit(f"no trained SuperCircuit in {run}")
        rd = RunDir.open(run, cfg.to_dict(), resume=run.exists(), free=RESUME_FREE)
        supercircuit.run(ctx, rd, progress=False, log=lambda *a: None)
    if args.iterations:  # after the SuperCircuit, which does not depend on it
        ctx.cfg = cfg.replace(search={"iterations": args.iterations})
    return ctx


def child(args) -> None:
    """One search in this (fresh) process; prints its record as JSON."""
    import torch

    from qnas.pipeline.stages.search import full_design_genomes
    from qnas.search import EvolutionSearch, SearchStore, run_search
    from qnas.search.executors import make_executor, run_executor
    from qnas.spaces import SpecGenes

    torch.set_num_threads(1)  # as `qnas run` (runtime.threads = 1)
    ctx = make_context(args, train=False)
    name, kind = args.child_search, args.child_executor
    noise = dict(SEARCHES)[name]
    s = ctx.cfg.search
    genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
    search = EvolutionSearch(genes, ctx.target.n_qubits, s.population, s.parents, s.mutations,
                             s.mutation_prob, s.crossovers, s.iterations, seed=ctx.cfg.seed,
                             initial=full_design_genomes(ctx, genes, s.full_layouts))
    root = Path(args.child_root)
    shutil.rmtree(root / name, ignore_errors=True)  # a fresh search, not a resumed one
    store = SearchStore(root / name, device=ctx.cfg.device, seed=ctx.cfg.seed)
    fitness = ctx.fitness(ctx.sc.weights, noise)
    load = os.getloadavg()[0]
    started_s = None
    if kind == "run-pool":  # as `qnas run --workers N` runs it: the run's pool started when
        t0 = time.perf_counter()  # the run began, ready after the SuperCircuit's training
        ex = run_executor("local", args.workers)
        ex.start(wait=True)
        started_s = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        res = run_search(search, fitness, store, ex, progress=False)
        seconds = t_search = time.perf_counter() - t0  # the stage; the run closes it later
        ex.close()
    else:
        t0 = time.perf_counter()
        # "pool": a pool for this search alone (``--executor local --workers N`` before
        # the run-level pool)
        ex = make_executor("local" if kind == "pool" else kind,
                           0 if kind == "local" else args.workers)
        with ex:
            res = run_search(search, fitness, store, ex, progress=False)
            t_search = time.perf_counter() - t0
        seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    if hasattr(ex, "join"):
        ex.join()
    out = {"executor_kind": kind, "search": name, "seconds": round(seconds, 2),
           "pool_started_before_s": started_s,
           "close_s": round(seconds - t_search, 2),
           "background_shutdown_s": round(time.perf_counter() - t1, 2),
           "load_avg_1min_before": round(load, 2), "n_evaluated": res.n_evaluated,
           "best_fitness": res.best_fitness,
           "best": [res.best_genome.spec.to_string(), list(res.best_genome.layout)]}
    if hasattr(ex, "stats"):
        out["executor"] = {k: round(v, 3) if isinstance(v, float) else v
                           for k, v in ex.stats.items()}
    print("RESULT " + json.dumps(out), flush=True)


def results_of(path: Path) -> list:
    rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    return [(r["key"], r["fitness"]) for r in rows]


def row_arguments(ap: argparse.ArgumentParser) -> None:
    """The row and pool size every executor benchmark takes (the quick digits4 row, 2)."""
    ap.add_argument("--task", default="digits4")
    ap.add_argument("--device", default="santiago")
    ap.add_argument("--preset", default="quick")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    row_arguments(ap)
    ap.add_argument("--executors", default="local,pool,dask,ray")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--supercircuit-epochs", type=int, default=None)
    ap.add_argument("--iterations", type=int, default=None, help="search.iterations")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--out", default=str(BENCH / "results" / "executors.json"))
    ap.add_argument("--child-executor", help=argparse.SUPPRESS)
    ap.add_argument("--child-search", help=argparse.SUPPRESS)
    ap.add_argument("--child-root", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_executor:
        child(args)
        return 0

    import torch

    torch.set_num_threads(1)
    args.workdir = args.workdir or tempfile.mkdtemp(prefix="qnas-bench-exec-")
    t0 = time.perf_counter()
    ctx = make_context(args, train=True)
    print(f"supercircuit ready ({time.perf_counter() - t0:.1f} s) in {args.workdir}",
          flush=True)
    base = [sys.executable, str(Path(__file__).resolve())] + [
        a for a in (argv if argv is not None else sys.argv[1:])]
    kinds = [k.strip() for k in args.executors.split(",") if k.strip()]
    rows, ref = [], {}
    for rep in range(args.repeats):
        for kind in kinds:
            for name, _ in SEARCHES:
                root = Path(args.workdir) / f"{kind}-{rep}"
                cmd = base + ["--workdir", args.workdir, "--child-executor", kind,
                              "--child-search", name, "--child-root", str(root)]
                ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                p = subprocess.run(cmd, capture_output=True, text=True)
                ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
                lines = [x for x in p.stdout.splitlines() if x.startswith("RESULT ")]
                if p.returncode or not lines:
                    print(p.stdout[-3000:], p.stderr[-3000:], file=sys.stderr)
                    raise SystemExit(f"{kind} {name} failed (rc {p.returncode})")
                r = json.loads(lines[-1][len("RESULT "):])
                results = results_of(root / name / "results.jsonl")
                ref.setdefault(name, sorted(results))
                r.update(repeat=rep, workers=0 if kind == "local" else args.workers,
                         process_tree_cpu_s=round(cpu, 2),
                         identical_to_local=sorted(results) == ref[name],
                         stderr_lines=len([x for x in p.stderr.splitlines() if x.strip()]))
                rows.append(r)
                print(json.dumps(r), flush=True)

    def times(kind, name):
        return [r["seconds"] for r in rows if r["executor_kind"] == kind and r["search"] == name]

    summary = {}
    for name, _ in SEARCHES:
        base_med = statistics.median(times(kinds[0], name))
        summary[name] = {}
        for k in kinds:
            ts = times(k, name)
            med = statistics.median(ts)
            cpus = [r["process_tree_cpu_s"] for r in rows
                    if r["executor_kind"] == k and r["search"] == name]
            summary[name][k] = {"median_s": med, "min_s": min(ts), "all_s": ts,
                                "speedup_vs_" + kinds[0]: round(base_med / med, 2),
                                "median_process_tree_cpu_s": statistics.median(cpus)}
    cfg = ctx.cfg
    out = {"command": "python bench/bench_executors.py " + " ".join(
               argv if argv is not None else sys.argv[1:]),
           "config": {"task": args.task, "device": args.device, "preset": args.preset,
                      "seed": args.seed, "supercircuit_epochs": (
                          0 if args.supercircuit_epochs == 0 else cfg.supercircuit.epochs),
                      "search": cfg.search.to_dict()},
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "torch": torch.__version__, "load_avg_at_end": os.getloadavg()},
           "summary": summary, "runs": rows,
           "all_identical": all(r["identical_to_local"] for r in rows)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    print(f"wrote {args.out}")
    return 0 if out["all_identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
