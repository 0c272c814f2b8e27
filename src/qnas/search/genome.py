"""Genomes of the circuit/qubit-mapping co-search: (SubCircuit spec, layout).

``genes`` is the fixed-length gene vector of the spec (see
:class:`~qnas.spaces.genes.SpecGenes`); ``spec`` is its decoding; ``layout[i]`` is the
physical qubit of logical qubit ``i`` (distinct, inside the device).

>>> import numpy as np
>>> from qnas.spaces import SpecGenes
>>> gs = GenomeSpace(SpecGenes.from_space("u3cu3", 2, max_blocks=2), n_device_qubits=5)
>>> g = gs.random(np.random.default_rng(0))
>>> gs.from_dict(g.to_dict()) == g
True
>>> repair_layout((3, 3, 1), (0, 2, 4), 5)
(3, 2, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qnas.spaces.spec import SubCircuitSpec


def validate_layout(layout: Sequence[int], n_qubits: int, n_device_qubits: int) -> tuple[int, ...]:
    """``layout`` as a tuple, checked: length ``n_qubits``, distinct, inside the device."""
    lay = tuple(int(q) for q in layout)
    if len(lay) != n_qubits:
        raise ValueError(f"layout {lay} has length {len(lay)}, expected {n_qubits}")
    if len(set(lay)) != len(lay):
        raise ValueError(f"layout {lay} repeats a physical qubit")
    bad = [q for q in lay if not 0 <= q < n_device_qubits]
    if bad:
        raise ValueError(f"layout {lay}: qubits {bad} outside a {n_device_qubits}-qubit device")
    return lay


def random_layout(n_qubits: int, n_device_qubits: int, rng: np.random.Generator) -> tuple[int, ...]:
    return tuple(int(q) for q in rng.choice(n_device_qubits, size=n_qubits, replace=False))


def repair_layout(
    child: Sequence[int], other: Sequence[int], n_device_qubits: int
) -> tuple[int, ...]:
    """Make ``child`` duplicate-free, deterministically.

    Scanning left to right, a qubit already used is replaced by ``other``'s qubit at that
    position if unused, else by the smallest unused device qubit.
    """
    used: set[int] = set()
    out = []
    for i, q in enumerate(child):
        q = int(q)
        if q in used:
            alt = int(other[i])
            if alt not in used and alt not in child[i + 1 :]:
                q = alt
            else:
                q = next(
                    p for p in range(n_device_qubits) if p not in used and p not in child[i + 1 :]
                )
        used.add(q)
        out.append(q)
    return tuple(out)


@dataclass(frozen=True)
class Genome:
    """One candidate: its spec, its layout and the gene vector the spec decodes from."""

    spec: SubCircuitSpec
    layout: tuple[int, ...]
    genes: tuple[int, ...]

    @property
    def key(self) -> tuple[SubCircuitSpec, tuple[int, ...]]:
        """What the candidate *is* (inactive genes excluded)."""
        return (self.spec, self.layout)

    def to_dict(self) -> dict:
        return {"genes": list(self.genes), "layout": list(self.layout), "spec": str(self.spec)}

    def __str__(self) -> str:
        return f"[{self.spec}] @ {list(self.layout)}"


class GenomeSpace:
    """Gene space of the specs plus the device size: builds and checks genomes."""

    def __init__(self, genes, n_device_qubits: int):
        if callable(getattr(genes, "genes", None)):  # a SuperCircuit: use its gene encoding
            genes = genes.genes()
        self.genes = genes
        self.n_qubits = int(genes.n_qubits)
        self.n_device_qubits = int(n_device_qubits)
        if self.n_qubits > self.n_device_qubits:
            raise ValueError(
                f"{self.n_qubits} logical qubits do not fit a {self.n_device_qubits}-qubit device"
            )

    @property
    def bounds(self) -> tuple[tuple[int, int], ...]:
        return self.genes.bounds

    def make(self, genes: Sequence[int], layout: Sequence[int]) -> Genome:
        g = self.genes.validate(genes)
        lay = validate_layout(layout, self.n_qubits, self.n_device_qubits)
        return Genome(self.genes.decode(g), lay, g)

    def random(self, rng: np.random.Generator) -> Genome:
        return self.make(
            self.genes.sample(rng), random_layout(self.n_qubits, self.n_device_qubits, rng)
        )

    def from_dict(self, d: dict) -> Genome:
        try:
            return self.make(d["genes"], d["layout"])
        except (KeyError, TypeError) as e:
            raise ValueError(f"bad genome record {d!r}: {e}") from None

    def to_dict(self) -> dict:
        return {"genes": self.genes.to_dict(), "n_device_qubits": self.n_device_qubits}
