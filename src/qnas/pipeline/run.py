"""``qnas run``: train SuperCircuit -> co-search -> train -> prune -> evaluate -> baselines.

Every stage writes its result atomically to ``<run>/stages/<name>.json`` and long stages
checkpoint inside, so ``--resume`` after any interruption continues where it stopped.

>>> # results = run_pipeline(RunConfig.from_preset("quick"), Path("runs/demo"))
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from qnas.pipeline.config import RunConfig
from qnas.pipeline.fit import fit
from qnas.pipeline.supertrain import SubCircuitCache, train_supercircuit
from qnas.search.storage import atomic_write_text
from qnas.train.checkpoint import load_checkpoint


class RunDir:
    """Files of one run; stage results are JSON written atomically."""

    def __init__(self, root: Path, cfg: RunConfig, resume: bool):
        self.root = Path(root)
        cfg_path = self.root / "config.json"
        if cfg_path.exists():
            if not resume:
                raise ValueError(f"run directory {self.root} exists; pass --resume or --out NEW")
            old = json.loads(cfg_path.read_text())
            new = json.loads(json.dumps(cfg.to_dict()))
            diff = sorted(k for k in new if old.get(k) != new[k])
            if diff:
                raise ValueError(f"--resume with a different config ({', '.join(diff)})")
        else:
            self.root.mkdir(parents=True, exist_ok=True)
            atomic_write_text(cfg_path, json.dumps(cfg.to_dict(), indent=2))
        for sub in ("stages", "checkpoints", "plots"):
            (self.root / sub).mkdir(exist_ok=True)

    def stage(self, name: str, fn, log=print):
        path = self.root / "stages" / f"{name}.json"
        if path.exists():
            try:
                out = json.loads(path.read_text())
            except json.JSONDecodeError as e:
                raise ValueError(f"corrupt stage file {path}: {e}") from None
            log(f"[{name}] done earlier ({out.get('seconds', 0):.1f} s), skipped")
            return out
        log(f"[{name}] ...")
        t = time.perf_counter()
        out = fn()
        out["seconds"] = time.perf_counter() - t
        atomic_write_text(path, json.dumps(out, indent=1))
        log(f"[{name}] {out['seconds']:.1f} s")
        return out

    def ckpt(self, name: str) -> Path:
        return self.root / "checkpoints" / f"{name}.pt"


class Context:
    """Everything the stages share: the objective (task), SuperCircuit, device target."""

    def __init__(self, cfg: RunConfig):
        from qnas.devices import Target
        from qnas.pipeline.objective import make_objective
        from qnas.spaces import SuperCircuit

        torch.manual_seed(cfg.seed)
        self.cfg = cfg
        self.objective = make_objective(cfg)
        self.n_qubits = self.objective.n_qubits
        self.target = Target.from_backend(cfg.device)
        if self.target.n_qubits < self.n_qubits:
            raise ValueError(f"task {cfg.task} needs {self.n_qubits} qubits; device "
                             f"{cfg.device} has {self.target.n_qubits}")
        self.sc = SuperCircuit(cfg.space, self.n_qubits, cfg.max_blocks, seed=cfg.seed)
        self.circuits = SubCircuitCache(self.sc, self.objective.encoder)

    def initial_weights(self, index, scratch: bool = False):
        """Start of a SubCircuit's training: inherited SuperCircuit weights or a fresh draw."""
        if self.cfg.finetune_from == "inherited" and not scratch:
            return self.sc.weights[index]
        gen = torch.Generator().manual_seed(self.cfg.seed + 1)
        return (torch.rand(len(index), generator=gen) * 2 - 1) * torch.pi

    def fitness(self, weights, noise=True):
        return self.objective.fitness(weights, self.circuits, self.target, noise)

    def noisy_score(self, circuit, params, layout) -> float:
        """Noisy validation accuracy (classification) or minus the noisy energy (VQE)."""
        return self.objective.noisy_score(circuit, params, self.target, layout)

    def spec_from_string(self, s):
        from qnas.spaces import SubCircuitSpec

        return SubCircuitSpec.from_string(s)


def _full_design_genomes(ctx: Context, genes, n_layouts: int) -> tuple:
    """The full design on ``n_layouts`` distinct layouts: identity first, then seeded random
    ones (a random first generation almost never holds the full design, and one bad layout
    would make it look worse than it is)."""
    import numpy as np

    from qnas.search import GenomeSpace, random_layout

    space = GenomeSpace(genes, ctx.target.n_qubits)
    full = genes.encode(ctx.sc.full_spec())
    n = ctx.n_qubits
    layouts, rng = [tuple(range(n))], np.random.default_rng(ctx.cfg.seed + 7)
    for _ in range(50 * n_layouts):
        if len(layouts) >= n_layouts:
            break
        lay = tuple(random_layout(n, ctx.target.n_qubits, rng))
        if lay not in layouts:
            layouts.append(lay)
    return tuple(space.make(full, lay) for lay in layouts[:n_layouts])


def _search(ctx: Context, run: RunDir, name: str, weights, noise: bool, progress: bool):
    from qnas.search import EvolutionSearch, SearchStore, run_search
    from qnas.search.executors import make_executor
    from qnas.spaces import SpecGenes

    cfg = ctx.cfg
    genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
    initial = _full_design_genomes(ctx, genes, cfg.search_full_layouts)
    search = EvolutionSearch(genes, ctx.target.n_qubits, cfg.search_population, cfg.search_parents,
                             cfg.search_mutations, cfg.search_mutation_prob, cfg.search_crossovers,
                             cfg.search_iterations, seed=cfg.seed, initial=initial)
    store = SearchStore(run.root / name, device=cfg.device, seed=cfg.seed)
    res = run_search(search, ctx.fitness(weights, noise), store, make_executor(cfg.executor,
                     cfg.workers), progress=progress)
    gens = {}
    for r in store.load_results().values():
        g = r.get("generation", 0)
        gens[g] = max(gens.get(g, -1e9), r["fitness"])
    return {"spec": res.best_genome.spec.to_string(), "layout": list(res.best_genome.layout),
            "fitness": res.best_fitness, "n_evaluated": res.n_evaluated + res.n_cached,
            "best_by_generation": [gens[k] for k in sorted(gens)]}


def _finetune(ctx, run, name, circuit, init, layout, progress, epochs=None, pruner=None):
    cfg, obj = ctx.cfg, ctx.objective
    params = torch.nn.Parameter(init.detach().clone())
    noise_aware = cfg.noise_aware == "gate_insertion" and layout is not None

    def loss_fn(p, xb, yb):
        if noise_aware:
            return obj.noise_aware_loss(circuit, p, xb, yb, ctx.target, layout, cfg.noise_scale)
        return obj.loss(circuit, p, xb, yb)

    x, y = obj.train_xy()
    hist = fit(params, loss_fn, x, y, epochs=epochs or cfg.finetune_epochs, lr=cfg.lr,
               weight_decay=cfg.weight_decay, batch_size=cfg.batch_size,
               warmup_epochs=cfg.warmup_epochs, seed=cfg.seed, checkpoint=run.ckpt(name),
               progress=progress, desc=name,
               after_step=pruner.apply if pruner is not None else None,
               on_epoch=lambda p: obj.on_epoch(circuit, p))
    return params.detach(), hist


def run_pipeline(cfg: RunConfig, out: Path, resume: bool = False, progress: bool = True,
                 log=print) -> dict:
    """Run (or resume) every stage; returns the results written to ``results.json``."""
    from qnas.pipeline.stages import after_search, baselines, evaluate_all, report

    run = RunDir(out, cfg, resume)
    ctx = Context(cfg)
    sc_hist = run.stage("supercircuit", lambda: {"history": train_supercircuit(
        cfg, ctx.sc, ctx.objective, run.ckpt("supercircuit"), progress)}, log)
    st = load_checkpoint(run.ckpt("supercircuit"))
    with torch.no_grad():
        ctx.sc.weights.copy_(st["params"])
    found = run.stage("search", lambda: _search(ctx, run, "search", ctx.sc.weights, True,
                                                 progress), log)
    models = after_search(ctx, run, found, progress, log)
    models.update(baselines(ctx, run, found, progress, log))
    evals = run.stage("evaluate", lambda: {"models": evaluate_all(ctx, models)}, log)["models"]
    results = report(ctx, run, sc_hist, found, models, evals, log)
    return results
