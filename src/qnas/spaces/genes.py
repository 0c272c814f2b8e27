"""Fixed-length integer gene vectors for SubCircuit specs (front-shared choices).

Gene 0 is ``n_blocks``; then, for every block ``0..max_blocks-1`` and every repeated layer,
the number of gates kept. Genes of blocks ``>= n_blocks`` are *inactive*: carried along
(so that growing ``n_blocks`` changes one gene only) but ignored by :meth:`decode`.

>>> g = SpecGenes.from_space("u3cu3", n_qubits=3, max_blocks=2)
>>> g.bounds
((1, 2), (1, 3), (1, 3), (1, 3), (1, 3))
>>> str(g.decode((1, 3, 2, 1, 1)))
'blocks=1; 3,2'
>>> g.active((1, 3, 2, 1, 1))
(0, 1, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qnas.spaces.builtin import get_space
from qnas.spaces.space import DesignSpace, pattern_wires
from qnas.spaces.spec import SubCircuitSpec


@dataclass(frozen=True)
class SpecGenes:
    """Gene encoding of the specs of one (space, n_qubits, max_blocks)."""

    space: DesignSpace
    n_qubits: int
    max_blocks: int
    layer_gates: tuple[int, ...]  # gates per repeated layer

    @classmethod
    def from_space(
        cls, space: str | DesignSpace, n_qubits: int, max_blocks: int | None = None
    ) -> SpecGenes:
        sp = get_space(space)
        mb = int(max_blocks if max_blocks is not None else sp.max_blocks)
        if mb < sp.min_blocks:
            raise ValueError(f"max_blocks={mb} is below the space's min_blocks {sp.min_blocks}")
        gates = tuple(len(pattern_wires(sp.layers[li].pattern, n_qubits)) for li in sp.gene_layers)
        return cls(sp, int(n_qubits), mb, gates)

    @classmethod
    def from_supercircuit(cls, sc) -> SpecGenes:
        return cls.from_space(sc.space, sc.n_qubits, sc.max_blocks)

    # -- layout of the vector -------------------------------------------------
    @property
    def n_layers(self) -> int:
        return len(self.layer_gates)

    @property
    def bounds(self) -> tuple[tuple[int, int], ...]:
        """Inclusive ``(low, high)`` of every gene."""
        per_layer = tuple((min(self.space.min_keep, n), n) for n in self.layer_gates)
        return ((self.space.min_blocks, self.max_blocks),) + per_layer * self.max_blocks

    def __len__(self) -> int:
        return 1 + self.max_blocks * self.n_layers

    def gene_index(self, block: int, layer: int) -> int:
        """Position of (block, repeated-layer) in the vector."""
        return 1 + block * self.n_layers + layer

    def active(self, genes: Sequence[int]) -> tuple[int, ...]:
        """Positions of the genes that affect the decoded spec."""
        return tuple(range(1 + int(genes[0]) * self.n_layers))

    def validate(self, genes: Sequence[int]) -> tuple[int, ...]:
        g = tuple(int(x) for x in genes)
        if len(g) != len(self):
            raise ValueError(f"gene vector has length {len(g)}, expected {len(self)}")
        for i, (v, (lo, hi)) in enumerate(zip(g, self.bounds, strict=True)):
            if not lo <= v <= hi:
                raise ValueError(f"gene {i} = {v} outside [{lo}, {hi}]")
        return g

    # -- conversions ----------------------------------------------------------
    def decode(self, genes: Sequence[int]) -> SubCircuitSpec:
        g = self.validate(genes)
        L = self.n_layers
        rows = tuple(tuple(g[1 + b * L : 1 + (b + 1) * L]) for b in range(g[0]))
        return SubCircuitSpec(g[0], rows)

    def encode(self, spec: SubCircuitSpec, fill: Sequence[int] | None = None) -> tuple[int, ...]:
        """Genes of a front-shared ``spec``; inactive blocks copy ``fill`` (default: max)."""
        out = list(fill) if fill is not None else [hi for _, hi in self.bounds]
        if len(out) != len(self):
            raise ValueError(f"fill has length {len(out)}, expected {len(self)}")
        out[0] = spec.n_blocks
        for b, blk in enumerate(spec.layers):
            if len(blk) != self.n_layers:
                raise ValueError(f"spec block {b} has {len(blk)} layers, expected {self.n_layers}")
            for j, c in enumerate(blk):
                if not isinstance(c, int):
                    raise ValueError("explicit gate subsets cannot be gene-encoded")
                out[self.gene_index(b, j)] = c
        return self.validate(out)

    def sample(self, rng: np.random.Generator, max_blocks: int | None = None) -> tuple[int, ...]:
        """A uniformly random gene vector (``n_blocks`` capped at ``max_blocks`` if given)."""
        b = self.bounds
        hi0 = b[0][1] if max_blocks is None else max(b[0][0], min(b[0][1], int(max_blocks)))
        first = int(rng.integers(b[0][0], hi0 + 1))
        rest = [int(rng.integers(lo, hi + 1)) for lo, hi in b[1:]]
        return (first, *rest)

    def to_dict(self) -> dict:
        return {
            "space": self.space.to_config(),
            "n_qubits": self.n_qubits,
            "max_blocks": self.max_blocks,
        }
