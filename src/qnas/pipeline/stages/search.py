"""Stage ``search``: the evolutionary co-search of SubCircuit and layout under device noise.

The noise-unaware baseline runs the same search without noise; every searcher (evolution,
random, mapping-only) runs under the same driver and store (:func:`run_searcher`), so each
resumes mid-way after a crash.

Usage::

    found = co_search(ctx, run_dir, "search", ctx.sc.weights, noise=True)
"""

from __future__ import annotations

import numpy as np


def layout_adjacency(ctx) -> list | None:
    """The coupling map's neighbour lists when the run's layouts must be connected
    (``search.layouts = "connected"``), else None (any distinct qubits)."""
    if ctx.cfg.search.layouts != "connected":
        return None
    return ctx.target.adjacency()


def genome_space(ctx, genes):
    """The (SubCircuit, layout) space of the run's searches on the run's device."""
    from qnas.search import GenomeSpace

    return GenomeSpace(genes, ctx.target.n_qubits, layout_adjacency(ctx))


def transpiler_layout(ctx, circuit) -> tuple[int, ...] | None:
    """The layout Qiskit's transpiler gives ``circuit`` on the run's device, as the Aer
    evaluation transpiles a model without a layout (the human design): level 1, the run's
    seed, measured. None when ``search.transpiler_layout`` is off or the layout is not one
    the run's searches allow (``search.layouts``)."""
    if not ctx.cfg.search.transpiler_layout:
        return None
    from qnas.search.genome import is_connected

    if circuit not in ctx.transpiler_layouts:  # the searches of a run ask for the same ones
        from qnas.backends.aer_eval import fake_backend, transpile_measured

        names = list(circuit.parameters) + list(circuit.inputs)
        bound = circuit.bind({k: 0.5 + 0.01 * i for i, k in enumerate(names)})  # no special angles
        backend = fake_backend(ctx.cfg.device, ctx.cfg.noise.device_scale)
        tqc = transpile_measured(bound, backend, None, ctx.cfg.seed)
        ctx.transpiler_layouts[circuit] = tuple(
            tqc.layout.initial_index_layout(filter_ancillas=True)[: circuit.n_qubits])
    layout = ctx.transpiler_layouts[circuit]
    adjacency = layout_adjacency(ctx)
    return layout if adjacency is None or is_connected(layout, adjacency) else None


def full_design_genomes(ctx, genes, n_layouts: int) -> tuple:
    """The full design on ``n_layouts`` distinct layouts: the transpiler's
    (:func:`transpiler_layout`) and identity first (when valid), then seeded random ones (a
    random first generation almost never holds the full design, and one bad layout would
    make it look worse than it is)."""
    space = genome_space(ctx, genes)
    full = genes.encode(ctx.sc.full_spec())
    identity = tuple(range(ctx.n_qubits))
    first = [transpiler_layout(ctx, ctx.circuits(ctx.sc.full_spec())[0]) if n_layouts else None,
             identity if space.allows(identity) else None]
    layouts = list(dict.fromkeys(lay for lay in first if lay is not None))
    rng = np.random.default_rng(ctx.cfg.seed + 7)
    for _ in range(50 * n_layouts):
        if len(layouts) >= n_layouts:
            break
        lay = space.random_layout(rng)
        if lay not in layouts:
            layouts.append(lay)
    return tuple(space.make(full, lay) for lay in layouts[:n_layouts])


def run_searcher(ctx, run_dir, name: str, searcher, fitness, progress: bool):
    """Run ``searcher`` against ``fitness`` with the store ``<run>/<name>`` (resumable), on
    the run's executor (``ctx.executor``), else on one made for this search."""
    from qnas.search import SearchStore, run_search
    from qnas.search.executors import make_executor

    rt = ctx.cfg.runtime
    store = SearchStore(run_dir.root / name, device=ctx.cfg.device, seed=ctx.cfg.seed)
    if ctx.executor is not None:  # the run's own (qnas.pipeline.run): started, kept open
        return run_search(searcher, fitness, store, ctx.executor, progress=progress), store
    with make_executor(rt.executor, rt.workers, rt.address) as executor:
        res = run_search(searcher, fitness, store, executor, progress=progress)
    return res, store


def co_search(ctx, run_dir, name: str, weights, noise: bool, progress: bool) -> dict:
    """Evolutionary co-search with inherited ``weights``; the best genome and statistics."""
    from qnas.search import EvolutionSearch
    from qnas.spaces import SpecGenes

    s = ctx.cfg.search
    genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
    initial = full_design_genomes(ctx, genes, s.full_layouts)
    search = EvolutionSearch(genes, ctx.target.n_qubits, s.population, s.parents, s.mutations,
                             s.mutation_prob, s.crossovers, s.iterations, seed=ctx.cfg.seed,
                             initial=initial, adjacency=layout_adjacency(ctx))
    res, store = run_searcher(ctx, run_dir, name, search, ctx.fitness(weights, noise), progress)
    gens = {}
    for r in store.load_results().values():
        g = r.get("generation", 0)
        gens[g] = max(gens.get(g, -1e9), r["fitness"])
    return {"spec": res.best_genome.spec.to_string(), "layout": list(res.best_genome.layout),
            "fitness": res.best_fitness, "n_evaluated": res.n_told,
            "best_by_generation": [gens[k] for k in sorted(gens)]}


def run(ctx, run_dir, progress=True, log=print) -> dict:
    """The stage: the noise-adaptive co-search with the trained SuperCircuit's weights."""
    return run_dir.stage("search", lambda: co_search(ctx, run_dir, "search", ctx.sc.weights,
                                                     True, progress), log)
