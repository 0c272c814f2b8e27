"""Design spaces as data: a block of gate layers, repeated up to ``max_blocks`` times.

A :class:`Layer` is one gate applied on a wire pattern (``all`` wires for 1-qubit gates;
``ring``/``chain``/``pairs_even``/``pairs_odd`` for 2-qubit gates). A layer marked
``once`` appears only in the first block (e.g. the initial Hadamard layer of ``rxyz``).

>>> from qnas.spaces.space import DesignSpace, Layer
>>> s = DesignSpace("ryczs", (Layer("ry"), Layer("cz", "ring")), max_blocks=3)
>>> s.layer_wires(1, 3)
((0, 1), (1, 2), (2, 0))
>>> space_from_config({"name": "mine", "layers": ["h:all:once", "ry", "cz:ring"]}).layers[0].once
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from qnas.gates import canonical_name, get_gate

PATTERNS: dict[str, int] = {
    "all": 1,
    "ring": 2,
    "chain": 2,
    "pairs_even": 2,
    "pairs_odd": 2,
}
"""Wire patterns and the gate arity they require."""


def pattern_wires(pattern: str, n_qubits: int) -> tuple[tuple[int, ...], ...]:
    """Wire tuples of a pattern on ``n_qubits`` wires, in gate order.

    ``ring`` is ``(i, i+1 mod n)``; on 2 wires it is the single pair ``(0, 1)`` and on
    1 wire it is empty (as are all 2-qubit patterns).

    >>> pattern_wires("pairs_odd", 5)
    ((1, 2), (3, 4))
    """
    n = int(n_qubits)
    if n < 1:
        raise ValueError(f"n_qubits must be >= 1, got {n_qubits}")
    if pattern == "all":
        return tuple((i,) for i in range(n))
    if pattern == "ring":
        if n <= 2:
            return pattern_wires("chain", n)
        return tuple((i, (i + 1) % n) for i in range(n))
    if pattern == "chain":
        return tuple((i, i + 1) for i in range(n - 1))
    if pattern == "pairs_even":
        return tuple((i, i + 1) for i in range(0, n - 1, 2))
    if pattern == "pairs_odd":
        return tuple((i, i + 1) for i in range(1, n - 1, 2))
    raise ValueError(f"unknown wire pattern {pattern!r}; known: {', '.join(PATTERNS)}")


@dataclass(frozen=True)
class Layer:
    """One gate repeated over a wire pattern. ``once``: only in the first block."""

    gate: str
    pattern: str = "all"
    once: bool = False

    def __post_init__(self):
        g = get_gate(self.gate)  # raises ValueError for unknown gates
        object.__setattr__(self, "gate", canonical_name(self.gate))
        if self.pattern not in PATTERNS:
            raise ValueError(
                f"layer {self.gate!r}: unknown pattern {self.pattern!r}; "
                f"known: {', '.join(PATTERNS)}"
            )
        if g.num_wires is None or g.num_params is None or g.kraus:
            raise ValueError(f"layer gate {g.name!r} has variable arity; not usable in a space")
        need = PATTERNS[self.pattern]
        if g.num_wires != need:
            raise ValueError(
                f"layer {g.name!r}: pattern {self.pattern!r} needs a {need}-qubit gate, "
                f"but {g.name!r} acts on {g.num_wires} qubit(s)"
            )
        object.__setattr__(self, "once", bool(self.once))

    @property
    def num_params(self) -> int:
        """Trainable parameters per gate of this layer."""
        return get_gate(self.gate).num_params

    def to_config(self) -> str:
        return f"{self.gate}:{self.pattern}" + (":once" if self.once else "")

    @classmethod
    def from_config(cls, item: str | Mapping) -> Layer:
        """From ``"gate[:pattern][:once]"`` or ``{"gate":..., "pattern":..., "once":...}``."""
        if isinstance(item, str):
            parts = [p.strip() for p in item.split(":")]
            once = len(parts) > 1 and parts[-1] == "once"
            if once:
                parts = parts[:-1]
            if len(parts) > 2 or not parts[0]:
                raise ValueError(f"bad layer spec {item!r}; expected 'gate[:pattern][:once]'")
            return cls(parts[0], parts[1] if len(parts) > 1 else "all", once)
        if isinstance(item, Mapping):
            extra = set(item) - {"gate", "pattern", "once"}
            if extra or "gate" not in item:
                raise ValueError(
                    f"bad layer entry {dict(item)!r}; keys are gate (required), pattern, once"
                )
            return cls(str(item["gate"]), str(item.get("pattern", "all")), bool(item.get("once")))
        raise ValueError(f"bad layer entry {item!r}; expected a string or a table")


@dataclass(frozen=True)
class DesignSpace:
    """A named repeated block of layers.

    ``min_blocks``..``max_blocks`` is the range of block counts a sub-circuit may use and
    ``min_keep`` the least number of gates kept in a (non-empty) layer.
    """

    name: str
    layers: tuple[Layer, ...]
    max_blocks: int = 8
    min_blocks: int = 1
    min_keep: int = 1
    description: str = field(default="", compare=False)

    def __post_init__(self):
        layers = tuple(
            ly if isinstance(ly, Layer) else Layer.from_config(ly) for ly in self.layers
        )
        object.__setattr__(self, "layers", layers)
        if not self.name or not isinstance(self.name, str):
            raise ValueError("a design space needs a non-empty name")
        if not layers:
            raise ValueError(f"design space {self.name!r} has no layers")
        if not any(not ly.once for ly in layers):
            raise ValueError(f"design space {self.name!r} has only 'once' layers; nothing repeats")
        if not 1 <= int(self.min_blocks) <= int(self.max_blocks):
            raise ValueError(
                f"design space {self.name!r}: need 1 <= min_blocks <= max_blocks, "
                f"got {self.min_blocks}, {self.max_blocks}"
            )
        if int(self.min_keep) < 0:
            raise ValueError(f"design space {self.name!r}: min_keep must be >= 0")

    def layers_in_block(self, block: int) -> tuple[int, ...]:
        """Indices of the layers present in ``block`` (``once`` layers only in block 0)."""
        return tuple(i for i, ly in enumerate(self.layers) if block == 0 or not ly.once)

    @property
    def gene_layers(self) -> tuple[int, ...]:
        """Indices of the repeated layers, whose kept-gate counts are searched."""
        return tuple(i for i, ly in enumerate(self.layers) if not ly.once)

    def layer_wires(self, layer: int, n_qubits: int) -> tuple[tuple[int, ...], ...]:
        ly = self.layers[layer]
        return pattern_wires(ly.pattern, n_qubits)

    def to_config(self) -> dict:
        return {
            "name": self.name,
            "layers": [ly.to_config() for ly in self.layers],
            "max_blocks": self.max_blocks,
            "min_blocks": self.min_blocks,
            "min_keep": self.min_keep,
            "description": self.description,
        }


_CONFIG_KEYS = {"name", "layers", "max_blocks", "min_blocks", "min_keep", "description"}


def space_from_config(config: Mapping, name: str | None = None) -> DesignSpace:
    """A validated :class:`DesignSpace` from a dict (e.g. one TOML ``[spaces.X]`` table).

    ``layers`` is a list of ``"gate[:pattern][:once]"`` strings or tables.
    """
    if not isinstance(config, Mapping):
        raise ValueError(f"space config must be a table/dict, got {type(config).__name__}")
    extra = set(config) - _CONFIG_KEYS
    if extra:
        raise ValueError(
            f"unknown space config keys {sorted(extra)}; allowed {sorted(_CONFIG_KEYS)}"
        )
    nm = name or config.get("name")
    if not nm:
        raise ValueError("space config needs a 'name'")
    layers = config.get("layers")
    if not isinstance(layers, Sequence) or isinstance(layers, str) or not layers:
        raise ValueError(f"space {nm!r}: 'layers' must be a non-empty list")
    try:
        return DesignSpace(
            str(nm),
            tuple(Layer.from_config(x) for x in layers),
            max_blocks=int(config.get("max_blocks", 8)),
            min_blocks=int(config.get("min_blocks", 1)),
            min_keep=int(config.get("min_keep", 1)),
            description=str(config.get("description", "")),
        )
    except ValueError as e:
        raise ValueError(f"space {nm!r}: {e}") from None


def spaces_from_toml(text: str) -> dict[str, DesignSpace]:
    """All ``[spaces.<name>]`` tables of a TOML document."""
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    data = tomllib.loads(text)
    tables = data.get("spaces")
    if not isinstance(tables, Mapping):
        raise ValueError("TOML has no [spaces.<name>] tables")
    return {k: space_from_config(v, name=k) for k, v in tables.items()}
