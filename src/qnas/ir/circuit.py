"""The circuit IR: an immutable sequence of op records on ``n_qubits`` wires.

>>> from qnas.ir import Circuit, Op, param
>>> c = Circuit(2, [Op("h", (0,)), Op("crx", (0, 1), (param("w"),))])
>>> c.parameters
('w',)
>>> Circuit.from_text(c.to_text()) == c
True
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from qnas.ir.params import INPUT, PARAM, ParamValue, Sym, format_value, parse_value


@dataclass(frozen=True)
class Op:
    """One instruction: gate name, wires (first = most significant in the matrix), params."""

    gate: str
    wires: tuple[int, ...]
    params: tuple[ParamValue, ...] = ()

    def __post_init__(self):
        w, p = self.wires, self.params
        if type(w) is not tuple or any(type(v) is not int for v in w):
            object.__setattr__(self, "wires", tuple(int(v) for v in w))
        if type(p) is not tuple or any(type(v) is not float and not isinstance(v, Sym)
                                       for v in p):
            object.__setattr__(self, "params",
                               tuple(v if isinstance(v, Sym) else float(v) for v in p))

    def to_text(self) -> str:
        head = self.gate
        if self.params:
            head += "(" + ", ".join(format_value(p) for p in self.params) + ")"
        return head + " " + " ".join(str(w) for w in self.wires)


def _ordered_names(ops: Iterable[Op], kind: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for op in ops:
        for p in op.params:
            if isinstance(p, Sym) and p.kind == kind:
                seen.setdefault(p.name, None)
    return tuple(seen)


@dataclass(frozen=True)
class Circuit:
    """An immutable circuit. ``parameters``/``inputs`` fix the order of free symbols.

    When not given, they are the symbols in order of first appearance. Every op is
    validated against the gate registry on construction.
    """

    n_qubits: int
    ops: tuple[Op, ...] = ()
    parameters: tuple[str, ...] = field(default=None)  # type: ignore[assignment]
    inputs: tuple[str, ...] = field(default=None)  # type: ignore[assignment]

    def __post_init__(self):
        from qnas.gates.registry import validate_op

        if int(self.n_qubits) < 1:
            raise ValueError(f"a circuit needs at least 1 qubit, got {self.n_qubits}")
        object.__setattr__(self, "n_qubits", int(self.n_qubits))
        ops = tuple(self.ops)
        for i, op in enumerate(ops):
            if not isinstance(op, Op):
                raise TypeError(f"op {i} is {type(op).__name__}, expected qnas.ir.Op")
            validate_op(op, self.n_qubits, index=i)
        object.__setattr__(self, "ops", ops)
        for kind, attr in ((PARAM, "parameters"), (INPUT, "inputs")):
            used = _ordered_names(ops, kind)
            given = getattr(self, attr)
            if given is None:
                object.__setattr__(self, attr, used)
                continue
            given = tuple(given)
            if len(set(given)) != len(given):
                raise ValueError(f"duplicate names in {attr}: {given}")
            missing = set(used) - set(given)
            if missing:
                raise ValueError(f"{attr} order misses names used by ops: {sorted(missing)}")
            object.__setattr__(self, attr, given)
        clash = set(self.parameters) & set(self.inputs)
        if clash:
            raise ValueError(f"names used both as parameter and input: {sorted(clash)}")

    # -- hashing --------------------------------------------------------------
    # Circuits key the simulator's plan cache (``qnas.sim.cache``), so the hash of the ops is
    # computed once, on first use. String hashes differ between processes: the memo stays out
    # of pickles and copies (they hash afresh).
    @functools.cached_property
    def _hash(self) -> int:
        return hash((self.n_qubits, self.ops, self.parameters, self.inputs))

    def __hash__(self) -> int:
        return self._hash

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    # -- construction helpers -------------------------------------------------
    def __len__(self) -> int:
        return len(self.ops)

    def __iter__(self):
        return iter(self.ops)

    def append(self, *ops: Op) -> Circuit:
        """A new circuit with ``ops`` added (symbol order is recomputed)."""
        return Circuit(self.n_qubits, self.ops + tuple(ops))

    def compose(self, other: Circuit) -> Circuit:
        """``self`` followed by ``other`` on the same wires."""
        if other.n_qubits > self.n_qubits:
            raise ValueError(
                f"cannot compose a {other.n_qubits}-qubit circuit onto {self.n_qubits}"
            )
        return Circuit(self.n_qubits, self.ops + other.ops)

    def bind(self, values: dict[str, float]) -> Circuit:
        """Replace the named symbols (parameters or inputs) by constants."""
        def one(v):
            if isinstance(v, Sym) and v.name in values:
                return v.scale * float(values[v.name]) + v.offset
            return v

        ops = tuple(Op(op.gate, op.wires, tuple(one(v) for v in op.params)) for op in self.ops)
        return Circuit(self.n_qubits, ops,
                       tuple(n for n in self.parameters if n not in values),
                       tuple(n for n in self.inputs if n not in values))

    def count_ops(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for op in self.ops:
            out[op.gate] = out.get(op.gate, 0) + 1
        return out

    @property
    def num_two_qubit_gates(self) -> int:
        return sum(1 for op in self.ops if len(op.wires) == 2)

    # -- canonical text -------------------------------------------------------
    def to_text(self) -> str:
        """Canonical text; ``Circuit.from_text(c.to_text()) == c`` always holds."""
        lines = [f"qubits {self.n_qubits}"]
        if self.parameters:
            lines.append("params " + " ".join(self.parameters))
        if self.inputs:
            lines.append("inputs " + " ".join(self.inputs))
        lines.extend(op.to_text() for op in self.ops)
        return "\n".join(lines) + "\n"

    __str__ = to_text

    @classmethod
    def from_text(cls, text: str) -> Circuit:
        n = None
        params = inputs = None
        ops = []
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            try:
                if line.startswith("qubits "):
                    n = int(line.split()[1])
                elif line.startswith("params "):
                    params = tuple(line.split()[1:])
                elif line.startswith("inputs "):
                    inputs = tuple(line.split()[1:])
                else:
                    ops.append(_parse_op_line(line))
            except ValueError as e:
                raise ValueError(f"circuit text line {lineno}: {e}: {raw!r}") from None
        if n is None:
            raise ValueError("circuit text has no 'qubits N' line")
        return cls(n, tuple(ops), params, inputs)

    # -- interop (lazy) -------------------------------------------------------
    @classmethod
    def from_qasm(cls, text: str) -> Circuit:
        from qnas.ir.qasm import from_qasm

        return from_qasm(text)

    def to_qasm(self, bindings: dict[str, float] | None = None) -> str:
        from qnas.ir.qasm import to_qasm

        return to_qasm(self, bindings)

    @classmethod
    def from_qiskit(cls, qc, inputs: Sequence[str] | None = None) -> Circuit:
        from qnas.ir.qiskit_bridge import from_qiskit

        return from_qiskit(qc, inputs=inputs)

    def to_qiskit(self):
        from qnas.ir.qiskit_bridge import to_qiskit

        return to_qiskit(self)


def _parse_op_line(line: str) -> Op:
    if "(" in line:
        head, rest = line.split("(", 1)
        args, wires = rest.rsplit(")", 1)
        params = tuple(parse_value(a) for a in args.split(",")) if args.strip() else ()
    else:
        head, _, wires = line.partition(" ")
        params = ()
    try:
        wire_t = tuple(int(w) for w in wires.split())
    except ValueError:
        raise ValueError(f"bad wire list {wires.strip()!r}") from None
    return Op(head.strip(), wire_t, params)
