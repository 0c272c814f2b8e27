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

With ``adjacency`` (the device's coupling map as neighbour lists) every layout is a connected
set of physical qubits, so that routing stays inside a small neighbourhood (a 10-qubit design
on a 27-qubit device otherwise compiles to up to 26 wires):

>>> line = [[1], [0, 2], [1, 3], [2, 4], [3]]
>>> cs = GenomeSpace(SpecGenes.from_space("u3cu3", 3, max_blocks=1), 5, adjacency=line)
>>> is_connected(cs.random(np.random.default_rng(0)).layout, line)
True
>>> cs.fix_layout((0, 1, 4), np.random.default_rng(0))  # keeps the larger part, regrows
(0, 1, 2)
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


def sample_layout(n_qubits: int, n_device_qubits: int, rng: np.random.Generator,
                  adjacency=None) -> tuple[int, ...]:
    """A random layout: any distinct qubits, or a connected set when ``adjacency`` (the
    coupling map's neighbour lists) is given."""
    if adjacency is None:
        return random_layout(n_qubits, n_device_qubits, rng)
    return grow_connected(adjacency, n_qubits, rng)


def grow_connected(adjacency: Sequence[Sequence[int]], n: int,
                   rng: np.random.Generator) -> tuple[int, ...]:
    """``n`` qubits connected on the coupling map ``adjacency``, in order of growth: a start
    qubit drawn with probability proportional to its number of neighbours, then a uniformly
    drawn neighbour of the set at a time.

    >>> grow_connected([[1], [0, 2], [1]], 2, np.random.default_rng(0))
    (1, 2)
    """
    n_dev = len(adjacency)
    degree = np.array([len(a) for a in adjacency], float)
    p = degree / degree.sum() if degree.any() else None
    for _ in range(100):
        chosen = [int(rng.choice(n_dev, p=p))]
        while len(chosen) < n:
            frontier = sorted({int(m) for q in chosen for m in adjacency[q]} - set(chosen))
            if not frontier:
                break
            chosen.append(int(frontier[rng.integers(len(frontier))]))
        if len(chosen) == n:
            return tuple(chosen)
    raise ValueError(f"the coupling map has no connected set of {n} qubits")


def _components(qubits: Sequence[int], adjacency) -> list[list[int]]:
    """The connected parts of ``qubits`` (edges of ``adjacency`` inside the set), each in the
    order of ``qubits``."""
    left, parts = list(qubits), []
    while left:
        part, stack = {left[0]}, [left[0]]
        while stack:
            for m in adjacency[stack.pop()]:
                if m in left and m not in part:
                    part.add(m)
                    stack.append(m)
        parts.append([q for q in left if q in part])
        left = [q for q in left if q not in part]
    return parts


def is_connected(qubits: Sequence[int], adjacency) -> bool:
    """Whether ``qubits`` form one connected set on the coupling map ``adjacency``."""
    return len(_components([int(q) for q in qubits], adjacency)) <= 1


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

    def __init__(self, genes, n_device_qubits: int, adjacency=None):
        if callable(getattr(genes, "genes", None)):  # a SuperCircuit: use its gene encoding
            genes = genes.genes()
        self.genes = genes
        self.n_qubits = int(genes.n_qubits)
        self.n_device_qubits = int(n_device_qubits)
        if self.n_qubits > self.n_device_qubits:
            raise ValueError(
                f"{self.n_qubits} logical qubits do not fit a {self.n_device_qubits}-qubit device"
            )
        self.adjacency = None
        if adjacency is not None:  # layouts must be connected on this coupling map
            self.adjacency = tuple(tuple(sorted(int(m) for m in a)) for a in adjacency)
            if len(self.adjacency) != self.n_device_qubits:
                raise ValueError(f"adjacency has {len(self.adjacency)} qubits, the device "
                                 f"{self.n_device_qubits}")

    @property
    def bounds(self) -> tuple[tuple[int, int], ...]:
        return self.genes.bounds

    def make(self, genes: Sequence[int], layout: Sequence[int]) -> Genome:
        g = self.genes.validate(genes)
        lay = validate_layout(layout, self.n_qubits, self.n_device_qubits)
        if not self.allows(lay):
            raise ValueError(f"layout {lay} is not connected on the device's coupling map")
        return Genome(self.genes.decode(g), lay, g)

    def allows(self, layout: Sequence[int]) -> bool:
        """Whether the space's layout rule admits ``layout`` (connected, when ``adjacency``)."""
        return self.adjacency is None or is_connected(layout, self.adjacency)

    def random_layout(self, rng: np.random.Generator) -> tuple[int, ...]:
        return sample_layout(self.n_qubits, self.n_device_qubits, rng, self.adjacency)

    def random(self, rng: np.random.Generator) -> Genome:
        genes = self.genes.sample(rng)
        return self.make(genes, self.random_layout(rng))

    def fix_layout(self, layout: Sequence[int], rng: np.random.Generator) -> tuple[int, ...]:
        """``layout`` made connected (``adjacency`` given; else returned as it is, drawing
        nothing): its largest connected part stays in place and the other positions, in
        order, take random qubits next to the growing set."""
        lay = tuple(int(q) for q in layout)
        if self.allows(lay):
            return lay
        keep = max(_components(lay, self.adjacency), key=len)  # first of the largest
        out, chosen = list(lay), set(keep)
        for i, q in enumerate(lay):
            if q not in keep:
                frontier = sorted({m for c in chosen for m in self.adjacency[c]} - chosen)
                if not frontier:
                    raise ValueError(f"no connected set of {self.n_qubits} qubits holds "
                                     f"{sorted(keep)}")
                out[i] = int(frontier[rng.integers(len(frontier))])
                chosen.add(out[i])
        return tuple(out)

    def from_dict(self, d: dict) -> Genome:
        try:
            return self.make(d["genes"], d["layout"])
        except (KeyError, TypeError) as e:
            raise ValueError(f"bad genome record {d!r}: {e}") from None

    def to_dict(self) -> dict:
        d = {"genes": self.genes.to_dict(), "n_device_qubits": self.n_device_qubits}
        if self.adjacency is not None:
            d["layouts"] = "connected"
        return d
