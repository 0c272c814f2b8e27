"""Does the SuperCircuit rank SubCircuits well? Kendall tau between the inherited-weight noisy
fitness the co-search uses and the noisy validation accuracy of the same (SubCircuit, layout)
genomes trained from scratch.

Needs a row's finished SuperCircuit (``runs/experiments/<row>/seed-<k>``). Each scratch
training is checkpointed under ``<run>/ranking/`` and each genome's result kept as a stage
record, so an interrupted ranking resumes. The artifact is
``experiments/ranking/<row>-seed-<k>.json``.

Usage::

    qnas experiments ranking mnist4-lagos --seed 0 --genomes 20
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from qnas.experiments.rows import REPO, Row, run_dir
from qnas.rundir import RunDir, atomic_write_text, load_checkpoint

RANKING = REPO / "experiments" / "ranking"


def sample_genomes(ctx, n: int, seed: int) -> list:
    """``n`` distinct random (SubCircuit, layout) genomes of the row's design space."""
    from qnas.pipeline.stages.search import genome_space
    from qnas.spaces import SpecGenes

    genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
    space = genome_space(ctx, genes)
    rng = np.random.default_rng(seed)
    out, seen = [], set()
    for _ in range(100 * n):
        g = space.random(rng)
        key = (g.spec.to_string(), g.layout)
        if key not in seen:
            seen.add(key)
            out.append(g)
        if len(out) == n:
            break
    return out


def rank_row(row: Row, seed: int, n_genomes: int = 20, epochs: int | None = None,
             data_dir=None, root="runs/experiments", progress=True, log=print,
             folder: Path = RANKING) -> Path:
    """Inherited fitness and scratch-trained noisy accuracy of ``n_genomes`` genomes, their
    Kendall tau; returns the artifact's path."""
    from scipy.stats import kendalltau

    from qnas.pipeline.context import Context
    from qnas.pipeline.stages.train import train_circuit

    cfg = row.config(seed, data_dir)
    out = run_dir(row, seed, root)
    ckpt = out / "checkpoints" / "supercircuit.pt"
    if not ckpt.exists():
        raise FileNotFoundError(f"{ckpt} is missing: run `qnas experiments run {row.name} "
                                f"--seed {seed}` first (the ranking reuses its SuperCircuit)")
    ctx = Context(cfg)
    with torch.no_grad():
        ctx.sc.weights.copy_(load_checkpoint(ckpt)["params"])
    rd = RunDir(out / "ranking")
    fitness = ctx.fitness(ctx.sc.weights)
    epochs = epochs or cfg.train.epochs
    records = []
    for i, g in enumerate(sample_genomes(ctx, n_genomes, cfg.seed + 11)):
        def one(g=g, i=i):
            circuit, index = ctx.circuits(g.spec)
            params, _ = train_circuit(ctx, rd, f"genome{i}", circuit,
                                      ctx.initial_weights(index, scratch=True), g.layout,
                                      progress, epochs=epochs)
            return {"spec": g.spec.to_string(), "layout": list(g.layout),
                    "n_2q": circuit.num_two_qubit_gates, "inherited_fitness": fitness(g),
                    "scratch_noisy_score": ctx.noisy_score(circuit, params, g.layout)}
        records.append(rd.stage(f"genome{i}", one, log))
    inh = [r["inherited_fitness"] for r in records]
    scr = [r["scratch_noisy_score"] for r in records]
    tau = kendalltau(inh, scr)
    result = {"row": row.name, "seed": seed, "n_genomes": len(records), "epochs": epochs,
              "kendall_tau": float(tau.statistic), "p_value": float(tau.pvalue),
              "genomes": [{k: v for k, v in r.items() if k != "seconds"} for r in records],
              "command": f"qnas experiments ranking {row.name} --seed {seed} "
                         f"--genomes {n_genomes}" + (f" --epochs {epochs}" if epochs else "")}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{row.name}-seed-{seed}.json"
    atomic_write_text(path, json.dumps(result, indent=1) + "\n")
    return path


def render_ranking(folder: Path = RANKING) -> str:
    """The ranking table of ``docs/results.md`` from the ranking artifacts."""
    head = "| row | seed | genomes | scratch epochs | Kendall tau | p | scratch score range |"
    lines = [head, "|---|---|---|---|---|---|---|"]
    for f in sorted(Path(folder).glob("*.json")):
        r = json.loads(f.read_text())
        s = [g["scratch_noisy_score"] for g in r["genomes"]]
        lines.append(f"| {r['row']} | {r['seed']} | {r['n_genomes']} | {r['epochs']} | "
                     f"{r['kendall_tau']:+.3f} | {r['p_value']:.3f} | "
                     f"{min(s):.3f} - {max(s):.3f} |")
    if len(lines) == 2:
        lines.append("| not run | | | | | | |")
    return "\n".join(lines)
