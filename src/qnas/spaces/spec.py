"""SubCircuit specs: which part of a SuperCircuit a candidate uses.

A spec holds ``n_blocks`` and, for each used block and each repeated layer of the space,
either the number ``k`` of gates kept (front sharing: the first ``k`` gates of the layer's
gate list) or an explicit tuple of kept gate indices. Explicit subsets equal to
``(0, ..., k-1)`` are normalised to ``k`` so that equal circuits have equal specs.

>>> s = SubCircuitSpec(2, ((4, 4), (3, (0, 2))))
>>> str(s)
'blocks=2; 4,4; 3,[0 2]'
>>> SubCircuitSpec.from_string(str(s)) == s
True
>>> SubCircuitSpec.from_dict(s.to_dict()) == s
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from qnas.spaces.supercircuit import SuperCircuit

Choice = Union[int, tuple[int, ...]]  # noqa: UP007 (runtime alias, py3.10)


def _norm_choice(c, where: str) -> Choice:
    if isinstance(c, bool):
        raise ValueError(f"{where}: kept-gate choice must be an int or a tuple, got {c!r}")
    if isinstance(c, int) or (hasattr(c, "__index__") and not isinstance(c, (list, tuple))):
        k = int(c)
        if k < 0:
            raise ValueError(f"{where}: kept-gate count must be >= 0, got {k}")
        return k
    if isinstance(c, (list, tuple)):
        idx = tuple(int(i) for i in c)
        if any(i < 0 for i in idx):
            raise ValueError(f"{where}: negative gate index in {idx}")
        if len(set(idx)) != len(idx):
            raise ValueError(f"{where}: repeated gate index in {idx}")
        idx = tuple(sorted(idx))
        if idx == tuple(range(len(idx))):
            return len(idx)
        return idx
    raise ValueError(f"{where}: kept-gate choice must be an int or a tuple, got {c!r}")


def kept_indices(choice: Choice) -> tuple[int, ...]:
    """The gate indices a choice keeps."""
    return tuple(range(choice)) if isinstance(choice, int) else choice


@dataclass(frozen=True)
class SubCircuitSpec:
    """Frozen, hashable description of a sub-circuit (see module docstring)."""

    n_blocks: int
    layers: tuple[tuple[Choice, ...], ...]

    def __post_init__(self):
        nb = int(self.n_blocks)
        if nb < 1:
            raise ValueError(f"n_blocks must be >= 1, got {self.n_blocks}")
        blocks = tuple(self.layers)
        if len(blocks) != nb:
            raise ValueError(f"spec has n_blocks={nb} but {len(blocks)} block entries")
        norm = tuple(
            tuple(_norm_choice(c, f"block {b} layer {j}") for j, c in enumerate(blk))
            for b, blk in enumerate(blocks)
        )
        if len({len(blk) for blk in norm}) > 1:
            raise ValueError("all blocks of a spec must list the same number of layers")
        object.__setattr__(self, "n_blocks", nb)
        object.__setattr__(self, "layers", norm)

    # -- conversions ----------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "n_blocks": self.n_blocks,
            "layers": [[c if isinstance(c, int) else list(c) for c in blk] for blk in self.layers],
        }

    @classmethod
    def from_dict(cls, d: dict) -> SubCircuitSpec:
        try:
            return cls(int(d["n_blocks"]), tuple(tuple(blk) for blk in d["layers"]))
        except (KeyError, TypeError) as e:
            raise ValueError(f"bad spec dict {d!r}: {e}") from None

    def to_string(self) -> str:
        def one(c: Choice) -> str:
            return str(c) if isinstance(c, int) else "[" + " ".join(map(str, c)) + "]"

        return "; ".join(
            [f"blocks={self.n_blocks}"] + [",".join(one(c) for c in blk) for blk in self.layers]
        )

    __str__ = to_string

    @classmethod
    def from_string(cls, text: str) -> SubCircuitSpec:
        parts = [p.strip() for p in text.split(";")]
        if not parts or not parts[0].startswith("blocks="):
            raise ValueError(f"bad spec string {text!r}; expected 'blocks=N; ...'")
        try:
            nb = int(parts[0][len("blocks="):])
            blocks = []
            for p in parts[1:]:
                row: list[Choice] = []
                for item in p.split(","):
                    item = item.strip()
                    if item.startswith("["):
                        row.append(tuple(int(x) for x in item.strip("[]").split()))
                    else:
                        row.append(int(item))
                blocks.append(tuple(row))
        except ValueError:
            raise ValueError(f"bad spec string {text!r}") from None
        return cls(nb, tuple(blocks))

    # -- measures (via the circuit built by a SuperCircuit) -------------------
    def num_params(self, supercircuit: SuperCircuit) -> int:
        """Number of trainable parameters of this sub-circuit of ``supercircuit``."""
        return len(supercircuit.subcircuit(self)[0].parameters)

    def num_two_qubit_gates(self, supercircuit: SuperCircuit) -> int:
        return supercircuit.subcircuit(self)[0].num_two_qubit_gates
