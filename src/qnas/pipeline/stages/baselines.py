"""Stages ``baseline_*``: human design, random search, noise-unaware search, mapping only.

Random and mapping-only search are ask/tell searchers (:class:`~qnas.search.RandomSearch`)
run by the same driver and store as the co-search, so they resume mid-way like it.

>>> import torch
>>> FixedCircuit("c", 3)("any spec")[0], FixedCircuit("c", 3)("any spec")[1].tolist()
('c', [0, 1, 2])
"""

from __future__ import annotations

import torch

from qnas.ir import Circuit
from qnas.pipeline.stages.search import (
    co_search,
    full_design_genomes,
    genome_space,
    layout_adjacency,
    run_searcher,
    transpiler_layout,
)
from qnas.pipeline.stages.train import _spec, model_record, train_equal


class FixedCircuit:
    """``spec -> (circuit, all parameter indices)``: one circuit whatever the genome's spec
    (the mapping-only search varies the layout only). Picklable for process executors."""

    def __init__(self, circuit, n_params: int):
        self.circuit, self.n_params = circuit, int(n_params)

    def __call__(self, spec):
        return self.circuit, torch.arange(self.n_params)


def human_spec(ctx):
    """The human design: the first ``model.human_blocks`` (default: all) full blocks."""
    from qnas.spaces import SubCircuitSpec

    full = ctx.sc.full_spec()
    hb = ctx.cfg.model.human_blocks or ctx.cfg.model.blocks
    return SubCircuitSpec(hb, full.layers[: len(full.layers) * hb // ctx.sc.max_blocks])


def human(ctx, run_dir, progress) -> dict:
    """The human design trained from scratch, placed by Qiskit's own layout (layout None)."""
    spec = human_spec(ctx)
    circuit, index = ctx.circuits(spec)
    init = ctx.initial_weights(index, scratch=True)  # a human design has nothing to inherit
    params, hist, _ = train_equal(ctx, run_dir, "human", circuit, init, None, progress)
    return {"model": model_record(circuit, params, None, history=hist, spec=spec.to_string())}


def random_search(ctx, run_dir, budget: int, progress) -> dict:
    """``budget`` random (SubCircuit, layout) genomes scored like the co-search, seeded like
    it (same seed, same generation-0 full-design genomes); the best is trained like the
    found one."""
    from qnas.search import RandomSearch
    from qnas.spaces import SpecGenes

    genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
    space = genome_space(ctx, genes)
    searcher = RandomSearch(space.random, budget, seed=ctx.cfg.seed,
                            batch_size=ctx.cfg.search.population,
                            initial=full_design_genomes(ctx, genes, ctx.cfg.search.full_layouts))
    res, _ = run_searcher(ctx, run_dir, "search_random", searcher, ctx.fitness(ctx.sc.weights),
                          progress)
    best = res.best_genome
    circuit, index = ctx.circuits(best.spec)
    params, hist, _ = train_equal(ctx, run_dir, "random", circuit, ctx.initial_weights(index),
                                  best.layout, progress)
    return {"model": model_record(circuit, params, best.layout, history=hist,
                                  spec=best.spec.to_string(), fitness=res.best_fitness)}


def noise_unaware(ctx, run_dir, progress) -> dict:
    """The co-search without noise; its best SubCircuit is placed by Qiskit (layout None)."""
    res = co_search(ctx, run_dir, "search_noise_unaware", ctx.sc.weights, False, progress)
    circuit, index = ctx.circuits(_spec(res["spec"]))
    params, hist, _ = train_equal(ctx, run_dir, "noise_unaware", circuit,
                                  ctx.initial_weights(index), None, progress)
    return {"model": model_record(circuit, params, None, history=hist, spec=res["spec"])}


def best_layout(ctx, run_dir, name: str, circuit, params, spec, n_layouts: int, seed: int,
                progress, initial=()) -> tuple:
    """The best of ``initial``, the transpiler's layout (``search.transpiler_layout``) and
    random layouts (``n_layouts`` in all) for a trained circuit under the device noise;
    ``(layout, fitness)``. A resumable searcher (store
    ``<run>/<name>``)."""
    from qnas.search import Genome, RandomSearch, sample_layout

    n, n_dev, adjacency = ctx.n_qubits, ctx.target.n_qubits, layout_adjacency(ctx)
    initial = list(dict.fromkeys(tuple(lay) for lay in
                                 [*initial, transpiler_layout(ctx, circuit)] if lay is not None))
    searcher = RandomSearch(lambda rng: Genome(spec, sample_layout(n, n_dev, rng, adjacency), ()),
                            n_layouts, seed=seed, batch_size=ctx.cfg.search.population,
                            initial=[Genome(spec, tuple(lay), ()) for lay in initial])
    fitness = ctx.fitness(params, circuits=FixedCircuit(circuit, len(params)))
    res, _ = run_searcher(ctx, run_dir, name, searcher, fitness, progress)
    return list(res.best_genome.layout), res.best_fitness


def mapping_only(ctx, run_dir, fresh: dict, progress) -> dict:
    """The trained human design on the best of ``evaluation.mapping_only_layouts`` random
    layouts under the device noise (noise-adaptive mapping alone)."""
    circuit = Circuit.from_text(fresh["circuit"])
    layout, fit = best_layout(ctx, run_dir, "search_mapping_only", circuit,
                              torch.tensor(fresh["params"]), human_spec(ctx),
                              ctx.cfg.evaluation.mapping_only_layouts, ctx.cfg.seed + 3, progress)
    return {"model": dict(fresh, layout=layout, fitness=fit)}


def run(ctx, run_dir, found: dict, progress=True, log=print) -> dict:
    """Every baseline of ``evaluation.baselines``: ``{name: model record}``."""
    wanted = ctx.cfg.evaluation.baselines
    out, fresh = {}, None
    if {"human", "mapping_only"} & set(wanted):
        fresh = run_dir.stage("baseline_human", lambda: human(ctx, run_dir, progress),
                              log)["model"]
        if "human" in wanted:
            out["human"] = fresh
    if "random" in wanted:
        out["random"] = run_dir.stage("baseline_random", lambda: random_search(
            ctx, run_dir, found["n_evaluated"], progress), log)["model"]
    if "noise_unaware" in wanted:
        out["noise_unaware"] = run_dir.stage("baseline_noise_unaware", lambda: noise_unaware(
            ctx, run_dir, progress), log)["model"]
    if "mapping_only" in wanted:
        out["mapping_only"] = run_dir.stage("baseline_mapping_only", lambda: mapping_only(
            ctx, run_dir, fresh, progress), log)["model"]
    return out
