"""``search_full_layouts``: the search's first generation holds the full design."""

import pytest

from qnas.config import load_config


def test_full_design_genomes_distinct_layouts():
    from qnas.pipeline.context import Context
    from qnas.pipeline.stages.search import full_design_genomes as _full_design_genomes
    from qnas.spaces import SpecGenes

    ctx = Context(load_config(overrides={"task": "digits4", "device": "quito",
                                         "model": {"blocks": 2}}))
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
