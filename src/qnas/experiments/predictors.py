"""How well do Élivágar's training-free predictors rank circuits? Kendall tau of CNR, RepCap and
their composite ``RepCap x CNR**w`` against the noisy validation accuracy of the same
device-aware candidates trained from scratch.

For a row whose ``search.strategy`` is ``elivagar``: the first ``N`` candidates of that row's
search pool (same seed, same generator: :func:`~qnas.pipeline.stages.elivagar.
elivagar_candidates`), scored by the run's predictors
(:func:`~qnas.pipeline.stages.elivagar.predictor_fitness`), each trained from scratch like the
deployed Élivágar model (:func:`~qnas.pipeline.stages.elivagar.train_candidate`) and scored
under the device noise (``ctx.noisy_score``). It needs no finished run of the row. Each
candidate is a stage record of ``<run>/predictors/`` (its training checkpointed), so an
interrupted measurement resumes. The artifact is ``experiments/predictors/<row>-seed-<k>.json``.

Usage::

    qnas experiments predictors mnist4-lagos-elivagar --seed 0 --candidates 20

>>> round(kendall([1, 2, 3], [0.1, 0.3, 0.2])["tau"], 3)
0.333
>>> kendall([1, 1, 1], [0.1, 0.3, 0.2])["tau"] is None   # constant: no ranking
True
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

from qnas.experiments.rows import REPO, Row, run_dir
from qnas.rundir import RunDir, atomic_write_text

PREDICTORS = REPO / "experiments" / "predictors"
MEASURES = ("cnr", "repcap", "score")  # score: the composite RepCap x CNR**w


def kendall(x, y) -> dict:
    """Kendall tau of ``x`` against ``y`` and its p-value (None where undefined)."""
    from scipy.stats import kendalltau

    t = kendalltau(x, y)
    tau, p = float(t.statistic), float(t.pvalue)
    return {"tau": None if math.isnan(tau) else tau, "p": None if math.isnan(p) else p}


def measure_row(row: Row, seed: int, n_candidates: int = 20, epochs: int | None = None,
                data_dir=None, root="runs/experiments", progress=True, log=print,
                folder: Path = PREDICTORS) -> Path:
    """Predictors and scratch-trained noisy score of ``n_candidates`` candidates, their
    Kendall taus; returns the artifact's path."""
    from qnas.pipeline.context import Context
    from qnas.pipeline.stages.elivagar import (
        elivagar_candidates,
        predictor_fitness,
        train_candidate,
    )

    cfg = row.config(seed, data_dir)
    if cfg.search.strategy != "elivagar":
        raise ValueError(f"row {row.name} runs search.strategy {cfg.search.strategy!r}: the "
                         f"predictors' quality is measured on a row of strategy 'elivagar'")
    ctx = Context(cfg)
    rd = RunDir(run_dir(row, seed, root) / "predictors")
    fitness = predictor_fitness(ctx)
    epochs = epochs or cfg.train.epochs
    records = []
    for i, cand in enumerate(elivagar_candidates(ctx, n_candidates)):
        def one(cand=cand, i=i):
            t = time.perf_counter()
            pred = fitness.components(cand)
            t_pred = time.perf_counter() - t
            params, _ = train_candidate(ctx, rd, f"candidate{i}", cand.circuit, cand.layout,
                                        progress, epochs=epochs)
            return {**cand.to_dict(), "n_2q": cand.circuit.num_two_qubit_gates, **pred,
                    "trained_noisy_score": ctx.noisy_score(cand.circuit, params, cand.layout),
                    "predictor_seconds": t_pred,
                    "train_seconds": time.perf_counter() - t - t_pred}
        records.append(rd.stage(f"candidate{i}", one, log))
    trained = [r["trained_noisy_score"] for r in records]
    taus = {m: kendall([r[m] for r in records], trained) for m in MEASURES}
    command = (f"qnas experiments predictors {row.name} --seed {seed} "
               f"--candidates {n_candidates} --epochs {epochs}")
    result = {"row": row.name, "seed": seed, "task": cfg.task, "device": cfg.device,
              "n_candidates": len(records), "epochs": epochs,
              "noise_weight": cfg.search.noise_weight, "kendall": taus,
              "candidates": [{k: v for k, v in r.items() if k != "seconds"} for r in records],
              "command": command}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{row.name}-seed-{seed}.json"
    atomic_write_text(path, json.dumps(result, indent=1) + "\n")
    return path


def _tau(t: dict) -> str:
    if t["tau"] is None:
        return "n/a"
    return f"{t['tau']:+.3f} (p {t['p']:.3f})"


def render_predictors(folder: Path = PREDICTORS) -> str:
    """The predictors' table of ``docs/results.md`` from the predictors' artifacts."""
    head = ("| row | seed | candidates | epochs | tau CNR (p) | tau RepCap (p) | "
            "tau composite (p) | composite's pick / best trained | trained score range | "
            "s per candidate: predictors / training |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for f in sorted(Path(folder).glob("*.json")):
        r = json.loads(f.read_text())
        c = r["candidates"]
        s = [x["trained_noisy_score"] for x in c]
        pick = max(range(len(c)), key=lambda i: (c[i]["score"], -i))
        pred = sum(x["predictor_seconds"] for x in c) / len(c)
        train = sum(x["train_seconds"] for x in c) / len(c)
        lines.append(f"| {r['row']} | {r['seed']} | {r['n_candidates']} | {r['epochs']} | "
                     + " | ".join(_tau(r["kendall"][m]) for m in MEASURES)
                     + f" | {s[pick]:.3f} / {max(s):.3f} | {min(s):.3f} - {max(s):.3f} | "
                     f"{pred:.1f} / {train:.1f} |")
    if len(lines) == 2:
        lines.append("| not run |" + " |" * (head.count(" | ")))
    return "\n".join(lines)
