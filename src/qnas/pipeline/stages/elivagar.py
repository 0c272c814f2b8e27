"""Stages of ``qnas run --strategy elivagar|hybrid`` (training-free predictors,
:mod:`qnas.elivagar`).

``elivagar``: no SuperCircuit. ``elivagar_search`` draws ``search.candidates`` device-aware
candidates (the task's encoder, then native gates on a connected placement), scores each by
``RepCap x CNR**search.noise_weight`` and ``elivagar_train`` trains the best one from scratch
(the run's training settings, noise-aware when ``noise.mode`` says so). The deployed model is
``elivagar``; of the baselines, those that inherit SuperCircuit weights (random,
noise_unaware) are left to a ``quantumnas`` run.

``hybrid``: the SuperCircuit is trained as usual; ``hybrid_search`` scores
``search.candidates`` random SubCircuit genomes (spec + layout) by the same predictors, keeps
the best ``search.hybrid_keep`` and ranks those by the co-search's fitness (inherited weights,
device noise). The winner is trained and pruned like the QuantumNAS one; the deployed model is
``hybrid``; every baseline runs (the random search gets as many fitness evaluations).

Both searches run under the co-search's driver and stores (``search_elivagar/``,
``search_predictors/``, ``search/``), so they resume mid-way. The search record holds its cost:
``cost.wall_seconds`` (summed over resumed sessions), circuit evaluations and simulations, and
training steps.

Usage::

    results = run(ctx, run_dir)      # ctx.cfg.search.strategy is "elivagar" or "hybrid"
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch

from qnas.ir import Circuit
from qnas.pipeline.stages import baselines, evaluate, prune, report, supercircuit, train
from qnas.pipeline.stages.search import genome_space, run_searcher
from qnas.pipeline.stages.train import model_record, train_circuit

TOP_RECORDED = 10  # candidates whose CNR and RepCap the search record lists
NEEDS_SUPERCIRCUIT = ("random", "noise_unaware")  # baselines inheriting SuperCircuit weights


def repcap_sample(ctx) -> tuple[torch.Tensor, torch.Tensor]:
    """``search.repcap_per_class`` training inputs of each class (seeded), for RepCap."""
    from qnas.elivagar.repcap import balanced_sample

    d = ctx.task.data
    idx = balanced_sample(d.y_train.numpy(), ctx.cfg.search.repcap_per_class,
                          np.random.default_rng(ctx.cfg.seed + 11))
    return d.x_train[idx], d.y_train[idx]


def predictor_fitness(ctx, circuits=None):
    """The run's :class:`~qnas.elivagar.PredictorFitness`; RepCap compares what the readout
    sees (every logical wire measured)."""
    from qnas.elivagar import PredictorFitness

    s = ctx.cfg.search
    x, y = repcap_sample(ctx)
    return PredictorFitness(ctx.target, x, y, replicas=s.cnr_replicas,
                            repcap_params=s.repcap_params, noise_weight=s.noise_weight,
                            cnr_mode=s.cnr_mode, measured=tuple(range(ctx.n_qubits)),
                            circuits=circuits, seed=ctx.cfg.seed, cnr_method=s.cnr_method)


def predictor_search(ctx, run_dir, name: str, candidates, fitness, progress):
    """Score ``candidates`` with ``fitness`` under the driver and store ``<run>/<name>``."""
    from qnas.elivagar import CandidateSearch

    searcher = CandidateSearch(candidates, seed=ctx.cfg.seed,
                               batch_size=ctx.cfg.search.population)
    run_searcher(ctx, run_dir, name, searcher, fitness, progress)
    return searcher


def best_by_batch(searcher) -> list[float]:
    """The best fitness so far after each batch (the search-progress plot)."""
    out, best, b = [], -float("inf"), searcher.batch_size
    for i in range(0, len(searcher.fitness), b):
        best = max(best, *searcher.fitness[i : i + b])
        out.append(best)
    return out


def training_steps(ctx, epochs: int) -> int:
    """Optimizer steps of ``epochs`` epochs with the run's batch size."""
    return int(epochs) * ctx.task.objective(lambda p, b: None, ctx.cfg.train.batch_size).n_batches()


def predictor_cost(ctx, n_scored: int) -> dict:
    """Simulations behind ``n_scored`` predictor evaluations."""
    s = ctx.cfg.search
    m = len(repcap_sample(ctx)[1])
    return {"predictor_evaluations": n_scored,
            "cnr_simulations": 2 * s.cnr_replicas * n_scored,  # noiseless + density matrix
            "repcap_states": s.repcap_params * m * n_scored}


def elivagar_candidates(ctx, count: int | None = None) -> list:
    """``count`` (default ``search.candidates``) device-aware candidates drawn from the run's
    seed; the first ``k`` are the same whatever ``count`` is."""
    from qnas.elivagar.candidates import default_params, device_candidate

    s, n = ctx.cfg.search, ctx.n_qubits
    encoder = ctx.task.encoder.to_circuit(n)
    n_params = s.candidate_params or default_params(n)
    rng = np.random.default_rng(ctx.cfg.seed + 13)
    return [device_candidate(ctx.target, n, n_params, rng, encoder=encoder,
                             rotations=s.candidate_rotations)
            for _ in range(s.candidates if count is None else int(count))]


def elivagar_search(ctx, run_dir, progress) -> dict:
    """The ``elivagar_search`` record: the best candidate, the top ones' predictors, cost."""
    t = time.perf_counter()
    fitness = predictor_fitness(ctx)
    candidates = elivagar_candidates(ctx)
    extra = time.perf_counter() - t  # not in the searcher's clock, which resumes
    searcher = predictor_search(ctx, run_dir, "search_elivagar", candidates, fitness, progress)
    t = time.perf_counter()
    ranked = searcher.ranking()
    again = sum(not fitness.knows(c) for c, _ in ranked[:TOP_RECORDED])  # scored elsewhere
    top = [dict(c.to_dict(), **fitness.components(c)) for c, _ in ranked[:TOP_RECORDED]]
    extra += time.perf_counter() - t
    best, score = ranked[0]
    n = len(ranked)
    cost = {"wall_seconds": searcher.seconds + extra, "circuit_evaluations": n + again,
            **predictor_cost(ctx, n + again), "training_steps": 0}
    return {"strategy": "elivagar", "circuit": best.circuit.to_text(),
            "layout": list(best.layout), "fitness": score, "n_evaluated": n,
            "best_by_generation": best_by_batch(searcher), "top": top, "cost": cost}


def train_candidate(ctx, run_dir, name: str, circuit, layout, progress, epochs=None):
    """``circuit`` trained from scratch on ``layout`` (checkpoint ``name``): ``(params,
    history)``."""
    init = ctx.initial_weights(torch.arange(len(circuit.parameters)), scratch=True)
    return train_circuit(ctx, run_dir, name, circuit, init, tuple(layout), progress,
                         epochs=epochs)


def train_elivagar(ctx, run_dir, found: dict, progress) -> dict:
    """The best candidate trained from scratch on its layout; its model record."""
    circuit = Circuit.from_text(found["circuit"])
    layout = tuple(found["layout"])
    params, hist = train_candidate(ctx, run_dir, "elivagar", circuit, layout, progress)
    return model_record(circuit, params, layout, history=hist,
                        noisy_score=ctx.noisy_score(circuit, params, layout),
                        training_steps=training_steps(ctx, ctx.cfg.train.epochs))


def hybrid_search(ctx, run_dir, progress) -> dict:
    """The ``hybrid_search`` record: predictors prune random genomes to ``search.hybrid_keep``,
    the SuperCircuit's noisy fitness ranks the survivors together with the co-search's own
    starting genomes (the full design on ``search.full_layouts`` layouts: random genomes
    almost never hold it, and the predictors, which reward few gates, would not keep it)."""
    from qnas.pipeline.stages.search import full_design_genomes
    from qnas.spaces import SpecGenes

    s, cfg = ctx.cfg.search, ctx.cfg
    genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
    space = genome_space(ctx, genes)
    rng = np.random.default_rng(cfg.seed + 17)
    genomes = [space.random(rng) for _ in range(s.candidates)]
    scored = predictor_search(ctx, run_dir, "search_predictors", genomes,
                              predictor_fitness(ctx, ctx.circuits), progress)
    kept = scored.ranking()[: s.hybrid_keep]
    predicted = {g.key: p for g, p in kept}
    survivors = list({g.key: g for g in (*full_design_genomes(ctx, genes, s.full_layouts),
                                         *(g for g, _ in kept))}.values())
    ranker = predictor_search(ctx, run_dir, "search", survivors, ctx.fitness(ctx.sc.weights),
                              progress)
    ranked = ranker.ranking()
    best, fit = ranked[0]
    sc_epochs = cfg.supercircuit.epochs * (2 if cfg.supercircuit.sandwich else 1)
    cost = {"wall_seconds": scored.seconds + ranker.seconds,
            "circuit_evaluations": len(genomes) + len(survivors),
            **predictor_cost(ctx, len(genomes)), "fitness_evaluations": len(survivors),
            "fitness_inputs": len(ctx.task.x_valid),
            "training_steps": training_steps(ctx, sc_epochs)}  # the SuperCircuit's
    record = [{"spec": g.spec.to_string(), "layout": list(g.layout),
               "predictor": predicted.get(g.key), "fitness": f} for g, f in ranked]
    return {"strategy": "hybrid", "spec": best.spec.to_string(), "layout": list(best.layout),
            "fitness": fit, "n_evaluated": len(survivors),
            "best_by_generation": best_by_batch(ranker), "survivors": record, "cost": cost}


def with_baselines(ctx, names):
    """A shallow copy of ``ctx`` whose ``evaluation.baselines`` are ``names``."""
    view = copy.copy(ctx)
    view.cfg = ctx.cfg.replace(evaluation={"baselines": list(names)})
    return view


def run(ctx, run_dir, progress=True, log=print) -> dict:
    """Every stage of the run's strategy (module docstring); returns the results."""
    strategy = ctx.cfg.search.strategy
    if strategy == "elivagar":
        sc_hist = {"history": []}
        found = run_dir.stage("elivagar_search", lambda: elivagar_search(ctx, run_dir, progress),
                              log)
        models = {"elivagar": run_dir.stage("elivagar_train", lambda: {"model": train_elivagar(
            ctx, run_dir, found, progress)}, log)["model"]}
        wanted = ctx.cfg.evaluation.baselines
        skipped = [b for b in wanted if b in NEEDS_SUPERCIRCUIT]
        if skipped and log:
            log(f"[baselines] {', '.join(skipped)} inherit SuperCircuit weights: not run with "
                "--strategy elivagar (run --strategy quantumnas for them)")
        view = with_baselines(ctx, [b for b in wanted if b not in NEEDS_SUPERCIRCUIT])
        models.update(baselines.run(view, run_dir, found, progress, log))
    elif strategy == "hybrid":
        sc_hist = supercircuit.run(ctx, run_dir, progress, log)
        found = run_dir.stage("hybrid_search", lambda: hybrid_search(ctx, run_dir, progress),
                              log)
        trained = train.run(ctx, run_dir, found, progress, log)
        pruned = prune.run(ctx, run_dir, trained, progress, log)
        models = {"hybrid_unpruned": trained, "hybrid": prune.deployed_model(trained, pruned)}
        if pruned is not None:
            models["hybrid_pruned"] = pruned
        models.update(baselines.run(ctx, run_dir, found, progress, log))
    else:
        raise ValueError(f"stages.elivagar runs strategies elivagar and hybrid, not "
                         f"{strategy!r}")
    evals = evaluate.run(ctx, run_dir, models, progress, log)
    return report.run(ctx, run_dir, sc_hist, found, models, evals, log, deployed=strategy)
