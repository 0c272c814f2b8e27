"""``search_full_layouts``: the search's first generation holds the full design."""

import pytest

from qnas.config import load_config


def test_full_design_genomes_distinct_layouts():
    from qnas.pipeline.context import Context
    from qnas.pipeline.stages.search import full_design_genomes as _full_design_genomes
    from qnas.spaces import SpecGenes

    ctx = Context(load_config(overrides={"task": "digits4", "device": "quito",
                                         "model": {"blocks": 2},
                                         "search": {"transpiler_layout": False}}))
    genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
    seeds = _full_design_genomes(ctx, genes, 5)
    assert len(seeds) == 5 and len({g.layout for g in seeds}) == 5
    assert seeds[0].layout == (0, 1, 2, 3)
    assert all(g.spec == ctx.sc.full_spec() for g in seeds)
    assert all(len(set(g.layout)) == 4 and max(g.layout) < 5 for g in seeds)
    assert _full_design_genomes(ctx, genes, 0) == ()


def test_full_layouts_bounded_by_population():
    with pytest.raises(ValueError, match="search.full_layouts"):
        load_config(overrides={"search": {"population": 4, "full_layouts": 5}})


def test_accuracy_metric_scores_by_accuracy_and_breaks_ties_by_loss(monkeypatch):
    from types import SimpleNamespace

    import torch

    import qnas.pipeline.fitness as fitness

    y = torch.tensor([0, 1, 0, 1])

    def logits(rows):
        return torch.log_softmax(torch.tensor(rows), -1)

    # Noise-flattened but always right vs confident and right 3 times out of 4.
    flat_right = logits([[0.01, 0], [0, 0.01], [0.01, 0], [0, 0.01]])
    sharp_3of4 = logits([[1.0, 0], [0, 1.0], [1.0, 0], [0.2, 0]])
    # Same accuracy (3/4), different loss.
    mild_3of4 = logits([[0.5, 0], [0, 0.5], [0.5, 0], [0.2, 0]])
    table = {"flat_right": flat_right, "sharp_3of4": sharp_3of4, "mild_3of4": mild_3of4}
    monkeypatch.setattr(fitness, "noiseless_logits", lambda c, p, x, r: table[c])

    def score(name, metric):
        f = fitness.NoisyFitness(torch.zeros(1), lambda spec: (spec, torch.tensor([0])), None,
                                 torch.zeros(4, 1), y, None, noise=False, metric=metric)
        return f(SimpleNamespace(spec=name))

    assert score("sharp_3of4", "loss") > score("flat_right", "loss")
    assert score("flat_right", "accuracy") > score("sharp_3of4", "accuracy")
    assert abs(score("flat_right", "accuracy") - 1.0) < 0.01
    assert abs(score("sharp_3of4", "accuracy") - 0.75) < 0.01
    assert score("sharp_3of4", "accuracy") > score("mild_3of4", "accuracy")
    with pytest.raises(ValueError, match="unknown search metric"):
        fitness.NoisyFitness(torch.zeros(1), None, None, None, y, None, metric="f1")


def test_connected_layouts_reach_every_search_of_the_run():
    from qnas.pipeline.context import Context
    from qnas.pipeline.stages.search import full_design_genomes, genome_space
    from qnas.search import is_connected
    from qnas.spaces import SpecGenes

    ctx = Context(load_config(overrides={"task": "digits4", "device": "toronto",
                                         "model": {"blocks": 2},
                                         "search": {"layouts": "connected"}}))
    adjacency = ctx.target.adjacency()
    genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
    seeds = full_design_genomes(ctx, genes, 5)
    assert len({g.layout for g in seeds}) == 5
    assert all(is_connected(g.layout, adjacency) for g in seeds)
    assert genome_space(ctx, genes).adjacency is not None
    with pytest.raises(ValueError, match="search.layouts"):
        load_config(overrides={"search": {"layouts": "ring"}})


def test_transpiler_layout_is_the_human_deployments_and_seeds_every_layout_search(monkeypatch):
    """With ``search.transpiler_layout`` the layout Qiskit gives the human design (the one the
    Aer evaluation deploys it on) is a candidate of generation 0 and of the layout searches."""
    import torch

    from qnas.backends.aer_eval import fake_backend, transpile_measured
    from qnas.pipeline.context import Context
    from qnas.pipeline.stages import baselines
    from qnas.pipeline.stages.search import full_design_genomes, transpiler_layout
    from qnas.spaces import SpecGenes

    over = {"task": "digits4", "device": "lagos", "model": {"blocks": 2}, "seed": 3}
    off = Context(load_config(overrides={**over, "search": {"transpiler_layout": False}}))
    ctx = Context(load_config(overrides=over))  # the quick preset's default
    circuit, index = ctx.circuits(ctx.sc.full_spec())
    assert transpiler_layout(off, circuit) is None
    values = dict(zip(circuit.parameters, torch.rand(len(index)).tolist()))
    aer = transpile_measured(circuit.bind(values), fake_backend("lagos"), None, 3)
    want = tuple(aer.layout.initial_index_layout(filter_ancillas=True)[:4])
    assert transpiler_layout(ctx, circuit) == want != (0, 1, 2, 3)
    genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
    seeds = full_design_genomes(ctx, genes, 5)
    assert [g.layout for g in seeds[:2]] == [want, (0, 1, 2, 3)] and len(seeds) == 5
    assert full_design_genomes(off, genes, 5)[0].layout == (0, 1, 2, 3)

    seen = []

    class Stop(Exception):
        pass

    def fake_searcher(ctx, run_dir, name, searcher, fitness, progress):
        seen.extend(g.layout for g in searcher.ask())
        raise Stop

    monkeypatch.setattr(baselines, "run_searcher", fake_searcher)
    with pytest.raises(Stop):
        baselines.best_layout(ctx, None, "x", circuit, torch.zeros(len(index)),
                              ctx.sc.full_spec(), 4, 0, False, initial=[(6, 5, 3, 1)])
    assert seen[:2] == [(6, 5, 3, 1), want]
