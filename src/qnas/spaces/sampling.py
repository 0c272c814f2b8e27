"""SubCircuit samplers for SuperCircuit training: uniform, restricted, progressive.

All samplers work on the gene vectors of a :class:`~qnas.spaces.genes.SpecGenes`, take a
seed or a ``numpy.random.Generator`` and are reproducible. ``sample(step)`` returns a
:class:`~qnas.spaces.spec.SubCircuitSpec`; ``sample_genes(step)`` the gene vector.

>>> from qnas.spaces.genes import SpecGenes
>>> genes = SpecGenes.from_space("zzry", n_qubits=4, max_blocks=3)
>>> a = UniformSampler(genes, seed=1).sample()
>>> a == UniformSampler(genes, seed=1).sample()
True
>>> r = RestrictedSampler(genes, k=1, seed=0)
>>> g0, g1 = r.sample_genes(), r.sample_genes()
>>> sum(x != y for x, y in zip(g0, g1))
1
"""

from __future__ import annotations

import numpy as np

from qnas.spaces.genes import SpecGenes
from qnas.spaces.spec import SubCircuitSpec


def as_generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed (or the generator itself)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


class UniformSampler:
    """Every gene uniform in its range (``n_blocks`` included)."""

    def __init__(self, genes: SpecGenes, seed: int | np.random.Generator | None = None):
        if not isinstance(genes, SpecGenes):
            raise ValueError(f"expected SpecGenes, got {type(genes).__name__}")
        self.genes = genes
        self.rng = as_generator(seed)
        self.last: tuple[int, ...] | None = None

    def sample_genes(self, step: int | None = None) -> tuple[int, ...]:
        self.last = self.genes.sample(self.rng)
        return self.last

    def sample(self, step: int | None = None) -> SubCircuitSpec:
        return self.genes.decode(self.sample_genes(step))


class RestrictedSampler(UniformSampler):
    """Like uniform, but each sample differs from the previous one in exactly ``k`` genes.

    The changed genes are drawn among the previous sample's *active* genes that have more
    than one possible value; each gets a new value different from its old one. The first
    sample is uniform.
    """

    def __init__(
        self, genes: SpecGenes, k: int = 2, seed: int | np.random.Generator | None = None
    ):
        super().__init__(genes, seed)
        if int(k) < 1:
            raise ValueError(f"RestrictedSampler needs k >= 1, got {k}")
        self.k = int(k)

    def sample_genes(self, step: int | None = None) -> tuple[int, ...]:
        if self.last is None:
            return super().sample_genes(step)
        bounds = self.genes.bounds
        prev = list(self.last)
        cand = [i for i in self.genes.active(prev) if bounds[i][0] < bounds[i][1]]
        n = min(self.k, len(cand))
        picks = self.rng.choice(len(cand), size=n, replace=False) if n else []
        for p in sorted(int(x) for x in picks):
            i = cand[p]
            lo, hi = bounds[i]
            v = int(self.rng.integers(lo, hi))  # hi - lo other values; skip the old one
            prev[i] = v + 1 if v >= prev[i] else v
        self.last = tuple(prev)
        return self.last


class ProgressiveSampler(UniformSampler):
    """Uniform sampling with the allowed maximum block count widening over training.

    At step fraction ``f = step / total_steps`` (clipped to [0, 1]) the largest allowed
    ``n_blocks`` is ``start + floor(f * (max - start + 1))`` (capped at ``max``), where
    ``start`` defaults to the space's ``min_blocks``. Other genes are uniform.
    """

    def __init__(
        self,
        genes: SpecGenes,
        total_steps: int,
        seed: int | np.random.Generator | None = None,
        start_blocks: int | None = None,
    ):
        super().__init__(genes, seed)
        if int(total_steps) < 1:
            raise ValueError(f"total_steps must be >= 1, got {total_steps}")
        self.total_steps = int(total_steps)
        lo, hi = genes.bounds[0]
        self.start_blocks = int(start_blocks if start_blocks is not None else lo)
        if not lo <= self.start_blocks <= hi:
            raise ValueError(f"start_blocks={start_blocks} outside [{lo}, {hi}]")

    def allowed_max_blocks(self, step: int) -> int:
        hi = self.genes.bounds[0][1]
        f = min(max(step / self.total_steps, 0.0), 1.0)
        return min(hi, self.start_blocks + int(f * (hi - self.start_blocks + 1)))

    def sample_genes(self, step: int | None = None) -> tuple[int, ...]:
        if step is None:
            raise ValueError("ProgressiveSampler.sample needs the training step")
        self.last = self.genes.sample(self.rng, max_blocks=self.allowed_max_blocks(step))
        return self.last
