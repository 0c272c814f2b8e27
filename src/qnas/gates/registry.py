"""The gate registry: one :class:`GateDef` entry per gate, looked up by name.

Matrices are in textbook order: the op's first wire is the most significant bit of the
gate's local index (``cx`` with wires ``(c, t)`` is ``[[I, 0], [0, X]]``). Matrix functions
take a real tensor ``[..., num_params]`` and return ``[..., d, d]`` complex.

>>> from qnas.gates import get_gate
>>> get_gate("cnot").name, get_gate("cx").num_wires
('cx', 2)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from qnas.suggest import did_you_mean

MatrixFn = Callable[[torch.Tensor, torch.dtype], torch.Tensor]


@dataclass(frozen=True)
class GateDef:
    """One gate: arity, matrix builder and flags.

    ``num_wires``/``num_params`` of ``None`` mean "variable" (``mcx``, ``unitary``).
    ``diagonal`` builds only the diagonal ``[..., d]`` for diagonal gates (fast path).
    ``kraus`` marks noise channels: ``matrix`` then returns Kraus operators ``[..., K, d, d]``.
    """

    name: str
    num_wires: int | None
    num_params: int | None
    matrix: MatrixFn
    doc: str
    diagonal: MatrixFn | None = None
    self_inverse: bool = False
    kraus: bool = False
    qasm: bool = True  # expressible in OpenQASM 2 with qelib1.inc
    aliases: tuple[str, ...] = ()

    def params_for(self, num_wires: int) -> int:
        if self.num_params is not None:
            return self.num_params
        if self.name == "unitary":
            return 2 * 4**num_wires
        if self.name == "kraus":
            raise ValueError("kraus channel parameter count depends on the number of operators")
        return 0


_REGISTRY: dict[str, GateDef] = {}
_ALIASES: dict[str, str] = {}


def register(gate: GateDef) -> GateDef:
    """Add a gate (and its aliases) to the registry."""
    if gate.name in _REGISTRY or gate.name in _ALIASES:
        raise ValueError(f"gate {gate.name!r} is already registered")
    _REGISTRY[gate.name] = gate
    for a in gate.aliases:
        _ALIASES[a] = gate.name
    return gate


def canonical_name(name: str) -> str:
    name = name.lower()
    return _ALIASES.get(name, name)


def get_gate(name: str) -> GateDef:
    """Look up a gate by name or alias; unknown names raise with close suggestions."""
    key = canonical_name(name)
    try:
        return _REGISTRY[key]
    except KeyError:
        hint = did_you_mean(name.lower(), list(_REGISTRY) + list(_ALIASES))
        raise ValueError(f"unknown gate {name!r}{hint}") from None


def all_gates() -> dict[str, GateDef]:
    """Registered gates by canonical name."""
    return dict(_REGISTRY)


_VALID_SHAPES: set[tuple[str, int, int]] = set()  # (gate, wires, params) that passed


def validate_op(op, n_qubits: int, index: int | None = None) -> None:
    """Check an op's gate, wire count, wire range and parameter count."""
    k = len(op.wires)
    if ((op.gate, k, len(op.params)) in _VALID_SHAPES and min(op.wires) >= 0
            and max(op.wires) < n_qubits and (k == 1 or len(set(op.wires)) == k)
            and all(not isinstance(p, float) or math.isfinite(p) for p in op.params)):
        return  # fast path: a gate shape seen valid before, wires and values checked here
    where = f"op {index} ({op.gate})" if index is not None else f"op {op.gate}"
    g = get_gate(op.gate)
    if g.num_wires is not None and k != g.num_wires:
        raise ValueError(f"{where}: gate {g.name!r} acts on {g.num_wires} wire(s), got {k}")
    if g.num_wires is None and k < 1:
        raise ValueError(f"{where}: needs at least one wire")
    if g.name == "mcx" and k < 2:
        raise ValueError(f"{where}: mcx needs at least one control and a target")
    for w in op.wires:
        if not 0 <= w < n_qubits:
            raise ValueError(f"{where}: wire {w} out of range for a {n_qubits}-qubit circuit")
    if len(set(op.wires)) != k:
        raise ValueError(f"{where}: repeated wire in {op.wires}")
    if g.name == "kraus":
        return
    want = g.params_for(k)
    if len(op.params) != want:
        raise ValueError(
            f"{where}: gate {g.name!r} takes {want} parameter(s), got {len(op.params)}"
        )
    for p in op.params:
        if isinstance(p, float) and not math.isfinite(p):
            raise ValueError(f"{where}: parameter is {p}")
    _VALID_SHAPES.add((op.gate, k, len(op.params)))
