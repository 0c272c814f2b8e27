"""Samplers: validity, distributions, restriction and progressive widening."""

import numpy as np
import pytest

from qnas.spaces import (
    ProgressiveSampler,
    RestrictedSampler,
    SpecGenes,
    SuperCircuit,
    UniformSampler,
)

GENES = SpecGenes.from_space("u3cu3", n_qubits=4, max_blocks=4)


def test_uniform_valid_and_block_frequencies_uniform():
    sc = SuperCircuit("u3cu3", n_qubits=4, max_blocks=4)
    s = UniformSampler(GENES, seed=0)
    n = 4000
    counts = np.zeros(5)
    kept = np.zeros(5)
    for _ in range(n):
        spec = s.sample()
        sc.validate_spec(spec)
        counts[spec.n_blocks] += 1
        kept[spec.layers[0][0]] += 1
    freq = counts[1:] / n
    assert np.all(np.abs(freq - 0.25) < 0.03), freq
    assert kept[0] == 0 and np.all(np.abs(kept[1:] / n - 0.25) < 0.03)


def test_samplers_reproducible_with_seed_or_generator():
    a = [UniformSampler(GENES, seed=7).sample() for _ in range(1)]
    s1, s2 = UniformSampler(GENES, seed=7), UniformSampler(GENES, np.random.default_rng(7))
    assert [s1.sample() for _ in range(20)] == [s2.sample() for _ in range(20)]
    assert a[0] == UniformSampler(GENES, seed=7).sample()
    r1, r2 = RestrictedSampler(GENES, 2, seed=3), RestrictedSampler(GENES, 2, seed=3)
    assert [r1.sample() for _ in range(20)] == [r2.sample() for _ in range(20)]


@pytest.mark.parametrize("k", [1, 2, 3])
def test_restricted_changes_exactly_k_genes(k):
    s = RestrictedSampler(GENES, k=k, seed=1)
    prev = s.sample_genes()
    changed_blocks = 0
    for _ in range(500):
        cur = s.sample_genes()
        diff = [i for i, (x, y) in enumerate(zip(prev, cur, strict=True)) if x != y]
        assert len(diff) == k
        assert set(diff) <= set(GENES.active(prev))  # only genes that matter change
        GENES.validate(cur)
        changed_blocks += cur[0] != prev[0]
        prev = cur
    assert changed_blocks > 0  # n_blocks is a gene too


def test_restricted_rejects_bad_k():
    with pytest.raises(ValueError, match="k >= 1"):
        RestrictedSampler(GENES, k=0)


def test_progressive_widening():
    s = ProgressiveSampler(GENES, total_steps=100, seed=0)
    assert [s.allowed_max_blocks(t) for t in (0, 24, 25, 50, 75, 99, 100, 500)] == [
        1, 1, 2, 3, 4, 4, 4, 4
    ]
    for step in range(0, 101, 5):
        for _ in range(20):
            assert s.sample(step).n_blocks <= s.allowed_max_blocks(step)
    seen_late = {s.sample(100).n_blocks for _ in range(200)}
    assert seen_late == {1, 2, 3, 4}
    with pytest.raises(ValueError, match="training step"):
        s.sample()
    with pytest.raises(ValueError, match="total_steps"):
        ProgressiveSampler(GENES, total_steps=0)
