"""``search_full_layouts``: the search's first generation holds the full design."""

import pytest

from qnas.pipeline.config import RunConfig


def test_full_design_genomes_distinct_layouts():
    from qnas.pipeline.run import Context, _full_design_genomes
    from qnas.spaces import SpecGenes

    ctx = Context(RunConfig(task="digits4", device="quito", max_blocks=2))
    genes = SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks)
    seeds = _full_design_genomes(ctx, genes, 5)
    assert len(seeds) == 5 and len({g.layout for g in seeds}) == 5
    assert seeds[0].layout == (0, 1, 2, 3)
    assert all(g.spec == ctx.sc.full_spec() for g in seeds)
    assert all(len(set(g.layout)) == 4 and max(g.layout) < 5 for g in seeds)
    assert _full_design_genomes(ctx, genes, 0) == ()


def test_full_layouts_bounded_by_population():
    with pytest.raises(ValueError, match="search_full_layouts"):
        RunConfig(task="digits4", search_population=4, search_full_layouts=5)
