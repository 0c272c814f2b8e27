"""Evolution strategies (Optuna-style objects): mutation, crossover, selection.

Mutation and crossover keep layouts valid (distinct device qubits). Selection takes
records ``(fitness, n_two_qubit)`` (fitness: higher is better) and returns the indices
of the chosen parents, best first.

>>> import numpy as np
>>> from qnas.spaces import SpecGenes
>>> from qnas.search.genome import GenomeSpace
>>> gs = GenomeSpace(SpecGenes.from_space("zzry", 3, max_blocks=2), n_device_qubits=4)
>>> rng = np.random.default_rng(0)
>>> a, b = gs.random(rng), gs.random(rng)
>>> len(set(UniformCrossover()(a, b, gs, rng).layout))
3
>>> TopKSelection()([(0.1, 3), (0.9, 5), (0.5, 1)], 2)
[1, 2]
>>> ParetoSelection()([(0.1, 3), (0.9, 5), (0.5, 1)], 2)
[1, 2]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qnas.search.genome import Genome, GenomeSpace, repair_layout
from qnas.search.pareto import non_dominated_ranks


class UniformMutation:
    """Each gene (and each layout position) is resampled with probability ``prob``.

    A mutated layout position takes a random device qubit; if that qubit is already used
    by another position, the two positions swap, so the layout stays valid. With connected
    layouts (``space.adjacency``) it takes a qubit next to the others, and a layout that
    falls apart is regrown (:meth:`GenomeSpace.fix_layout`).
    """

    def __init__(self, prob: float = 0.4):
        if not 0.0 <= float(prob) <= 1.0:
            raise ValueError(f"mutation probability must be in [0, 1], got {prob}")
        self.prob = float(prob)

    def __call__(self, genome: Genome, space: GenomeSpace, rng: np.random.Generator) -> Genome:
        genes = list(genome.genes)
        for i, (lo, hi) in enumerate(space.bounds):
            if rng.random() < self.prob:
                genes[i] = int(rng.integers(lo, hi + 1))
        layout = list(genome.layout)
        for i in range(len(layout)):
            if rng.random() < self.prob:
                q = self._new_qubit(layout, i, space, rng)
                if q is None:
                    continue
                if q in layout:
                    j = layout.index(q)
                    layout[i], layout[j] = layout[j], layout[i]
                else:
                    layout[i] = q
        return space.make(genes, space.fix_layout(layout, rng))

    @staticmethod
    def _new_qubit(layout, i, space, rng) -> int | None:
        """Any device qubit; with connected layouts, another position's qubit (a swap) or a
        free neighbour of the other positions' qubits (a move that keeps the set together)."""
        if space.adjacency is None:
            return int(rng.integers(space.n_device_qubits))
        others = set(layout) - {layout[i]}
        near = {m for q in others for m in space.adjacency[q]} - set(layout)
        options = sorted(others | near)
        return int(options[rng.integers(len(options))]) if options else None

    def __repr__(self) -> str:
        return f"UniformMutation(prob={self.prob})"


class UniformCrossover:
    """Each gene and each layout position comes from either parent with probability 1/2;
    duplicated layout qubits are repaired deterministically (:func:`repair_layout`), a
    disconnected layout (connected layouts only) by :meth:`GenomeSpace.fix_layout`."""

    def __call__(
        self, a: Genome, b: Genome, space: GenomeSpace, rng: np.random.Generator
    ) -> Genome:
        mask = rng.random(len(a.genes)) < 0.5
        genes = [x if m else y for x, y, m in zip(a.genes, b.genes, mask, strict=True)]
        lmask = rng.random(len(a.layout)) < 0.5
        child = [x if m else y for x, y, m in zip(a.layout, b.layout, lmask, strict=True)]
        other = [y if m else x for x, y, m in zip(a.layout, b.layout, lmask, strict=True)]
        child = repair_layout(child, other, space.n_device_qubits)
        return space.make(genes, space.fix_layout(child, rng))

    def __repr__(self) -> str:
        return "UniformCrossover()"


class TopKSelection:
    """The ``k`` highest-fitness records (ties: earlier record first)."""

    def __call__(self, records: Sequence[tuple[float, float | None]], k: int) -> list[int]:
        order = sorted(range(len(records)), key=lambda i: (-records[i][0], i))
        return order[:k]

    def __repr__(self) -> str:
        return "TopKSelection()"


class ParetoSelection:
    """Non-dominated sorting on (max fitness, min 2-qubit gates); within a front by
    fitness, then fewer 2-qubit gates, then record order."""

    def __call__(self, records: Sequence[tuple[float, float | None]], k: int) -> list[int]:
        if any(r[1] is None for r in records):
            raise ValueError("ParetoSelection needs a 2-qubit gate count for every record")
        ranks = non_dominated_ranks([(f, c) for f, c in records])
        order = sorted(
            range(len(records)), key=lambda i: (ranks[i], -records[i][0], records[i][1], i)
        )
        return order[:k]

    def __repr__(self) -> str:
        return "ParetoSelection()"
