"""Evolution operators keep layouts valid; selection and Pareto fronts."""

import itertools

import numpy as np
import pytest

from qnas.search import (
    GenomeSpace,
    ParetoSelection,
    TopKSelection,
    UniformCrossover,
    UniformMutation,
    non_dominated_ranks,
    pareto_front,
    repair_layout,
    validate_layout,
)
from qnas.spaces import SpecGenes


@pytest.mark.parametrize("n_qubits,n_device", [(3, 3), (3, 5), (4, 7), (1, 2)])
def test_mutation_and_crossover_keep_layouts_valid(n_qubits, n_device):
    gs = GenomeSpace(SpecGenes.from_space("zzry", n_qubits, max_blocks=3), n_device)
    rng = np.random.default_rng(n_qubits * 10 + n_device)
    mut, cx = UniformMutation(0.5), UniformCrossover()
    pool = [gs.random(rng) for _ in range(10)]
    layouts_seen = set()
    for _ in range(1500):
        a, b = pool[rng.integers(len(pool))], pool[rng.integers(len(pool))]
        child = cx(a, b, gs, rng) if rng.random() < 0.5 else mut(a, gs, rng)
        validate_layout(child.layout, n_qubits, n_device)
        gs.genes.validate(child.genes)
        assert child.spec == gs.genes.decode(child.genes)
        layouts_seen.add(child.layout)
        pool[rng.integers(len(pool))] = child
    # mutation explores the device: many distinct layouts appear
    n_layouts = len(list(itertools.permutations(range(n_device), n_qubits)))
    assert len(layouts_seen) >= min(n_layouts, 20)


def test_crossover_genes_come_from_parents():
    gs = GenomeSpace(SpecGenes.from_space("u3cu3", 4, max_blocks=4), 6)
    rng = np.random.default_rng(0)
    for _ in range(300):
        a, b = gs.random(rng), gs.random(rng)
        c = UniformCrossover()(a, b, gs, rng)
        assert all(x in (p, q) for x, p, q in zip(c.genes, a.genes, b.genes, strict=True))


def test_repair_layout_deterministic_and_valid():
    assert repair_layout((2, 2, 2), (0, 1, 2), 4) == (2, 1, 0)
    assert repair_layout((1, 0, 1), (1, 3, 0), 4) == (1, 0, 2)
    rng = np.random.default_rng(1)
    for _ in range(500):
        child = tuple(int(x) for x in rng.integers(0, 5, size=4))
        other = tuple(int(x) for x in rng.permutation(5)[:4])
        out = repair_layout(child, other, 5)
        assert out == repair_layout(child, other, 5)
        validate_layout(out, 4, 5)
        first = {}
        for i, q in enumerate(child):
            first.setdefault(q, i)
        assert all(out[i] == q for q, i in first.items())  # first occurrences kept


def test_validate_layout_errors():
    with pytest.raises(ValueError, match="repeats"):
        validate_layout((0, 0), 2, 3)
    with pytest.raises(ValueError, match="outside"):
        validate_layout((0, 5), 2, 3)
    with pytest.raises(ValueError, match="length"):
        validate_layout((0,), 2, 3)
    with pytest.raises(ValueError, match="do not fit"):
        GenomeSpace(SpecGenes.from_space("zzry", 4, max_blocks=1), 3)
    with pytest.raises(ValueError, match="probability"):
        UniformMutation(1.5)


def test_pareto_front_toy():
    pts = [(0.5, 2), (0.6, 2), (0.6, 3), (0.9, 8), (0.2, 0), (0.9, 9), (0.2, 0), (0.7, 5)]
    front = pareto_front(pts)
    assert front == [4, 1, 7, 3]
    ranks = non_dominated_ranks(pts)
    assert [ranks[i] for i in front] == [0, 0, 0, 0]
    assert ranks[0] == 1 and ranks[2] == 1 and ranks[5] == 1
    # brute-force check: nothing in the front is dominated, everything else is
    for i, p in enumerate(pts):
        dom = any(q[0] >= p[0] and q[1] <= p[1] and q != p for q in pts)
        assert dom == (ranks[i] > 0)


def test_selection_strategies():
    recs = [(0.5, 2), (0.6, 2), (0.6, 3), (0.9, 8), (0.2, 0)]
    assert TopKSelection()(recs, 3) == [3, 1, 2]
    assert ParetoSelection()(recs, 3) == [3, 1, 4]
    with pytest.raises(ValueError, match="2-qubit gate count"):
        ParetoSelection()([(1.0, None)], 1)
