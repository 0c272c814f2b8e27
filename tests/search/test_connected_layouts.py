"""``search.layouts = "connected"``: every layout the searches draw, mutate or cross over is a
connected set on the device's coupling map; the default ("any") draws exactly as before."""

import numpy as np
import pytest

from qnas.devices import Target
from qnas.search import (
    EvolutionSearch,
    GenomeSpace,
    UniformCrossover,
    UniformMutation,
    grow_connected,
    is_connected,
    random_layout,
)
from qnas.spaces import SpecGenes

TORONTO = Target.from_backend("toronto")
ADJ = TORONTO.adjacency()
assert ADJ[1] == TORONTO.neighbors(1)


def _space(n=10, adjacency=ADJ):
    return GenomeSpace(SpecGenes.from_space("u3cu3", n, max_blocks=2), 27, adjacency)


def test_is_connected():
    line = [[1], [0, 2], [1, 3], [2]]
    assert is_connected((0, 1, 2), line) and is_connected((2, 1), line)
    assert not is_connected((0, 2), line) and not is_connected((0, 1, 3), line)
    assert is_connected((), line) and is_connected((3,), line)


@pytest.mark.parametrize("prob", [0.4, 1.0])
def test_random_mutated_and_crossed_layouts_stay_connected(prob):
    space, rng = _space(), np.random.default_rng(0)
    mutate, cross = UniformMutation(prob), UniformCrossover()
    genomes = [space.random(rng) for _ in range(40)]
    moved = 0
    for a, b in zip(genomes, genomes[1:], strict=False):
        m, c = mutate(a, space, rng), cross(a, b, space, rng)
        for g in (a, m, c):
            assert is_connected(g.layout, ADJ) and len(set(g.layout)) == 10
        moved += set(m.layout) != set(a.layout)
    assert moved > 10  # mutation does move qubits, not only permute them


def test_a_disconnected_layout_is_rejected_and_fixed():
    space = _space(n=3)
    with pytest.raises(ValueError, match="not connected on the device's coupling map"):
        space.make(space.genes.sample(np.random.default_rng(0)), (0, 1, 26))
    fixed = space.fix_layout((0, 1, 26), np.random.default_rng(0))
    assert fixed[:2] == (0, 1) and is_connected(fixed, ADJ)
    with pytest.raises(ValueError, match="adjacency has 3 qubits"):
        GenomeSpace(SpecGenes.from_space("u3cu3", 2, max_blocks=1), 5, [[1], [0], []])


def test_evolution_with_connected_layouts_asks_only_connected_genomes():
    genes = SpecGenes.from_space("u3cu3", 6, max_blocks=2)
    search = EvolutionSearch(genes, 27, population=8, parents=3, mutations=3, crossovers=2,
                             iterations=3, seed=1, adjacency=ADJ)
    assert search.config["space"]["layouts"] == "connected"
    while not search.done:
        for g in search.ask():
            assert is_connected(g.layout, ADJ)
            search.tell(g, -float(sum(g.layout)))


def test_any_layouts_draw_as_before():
    """Without adjacency the space, mutation and crossover use the generator as before the
    option existed (committed runs stay reproducible)."""
    genes = SpecGenes.from_space("u3cu3", 4, max_blocks=2)
    space = GenomeSpace(genes, 7)
    rng, ref = np.random.default_rng(3), np.random.default_rng(3)
    g = space.random(rng)
    assert g.genes == genes.validate(genes.sample(ref))
    assert g.layout == random_layout(4, 7, ref)
    m = UniformMutation(0.5)(g, space, rng)
    ref_genes = [int(ref.integers(lo, hi + 1)) if ref.random() < 0.5 else v
                 for v, (lo, hi) in zip(g.genes, space.bounds, strict=True)]
    layout = list(g.layout)
    for i in range(4):
        if ref.random() < 0.5:
            q = int(ref.integers(7))
            if q in layout:
                j = layout.index(q)
                layout[i], layout[j] = layout[j], layout[i]
            else:
                layout[i] = q
    assert m.genes == tuple(ref_genes) and m.layout == tuple(layout)
    assert "layouts" not in space.to_dict()


def test_grow_connected_matches_elivagar_placement():
    from qnas.elivagar.candidates import connected_qubits

    for seed in range(5):
        assert connected_qubits(TORONTO, 6, np.random.default_rng(seed)) == grow_connected(
            ADJ, 6, np.random.default_rng(seed))
