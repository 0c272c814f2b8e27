"""OpenQASM 2.0 export (``to_qasm``); the parser lives in :mod:`qnas.ir.qasm`.

Writes ``qelib1.inc`` gates plus exact inline ``gate`` definitions for registry gates that
``qelib1.inc`` lacks (``ryy rzx ecr iswap r``); ``mcx`` becomes ``cx/ccx/c3x/c4x``. Floats
use ``repr`` so values round-trip exactly; symbols must be bound via ``bindings``.

>>> from qnas.ir import Circuit, Op, param
>>> print(to_qasm(Circuit(1, [Op("rx", (0,), (2.0 * param("w"),))]), {"w": 0.25}), end="")
OPENQASM 2.0;
include "qelib1.inc";
qreg q[1];
rx(0.5) q[0];
"""

from __future__ import annotations

from qnas.ir.circuit import Circuit
from qnas.ir.params import Sym
from qnas.ir.qasm_mapping import DEFINITIONS, QELIB1


def format_float(v: float) -> str:
    """``repr`` with a decimal point always present (``1e-05`` -> ``1.0e-05``)."""
    s = repr(float(v))
    if "e" in s and "." not in s:
        s = s.replace("e", ".0e")
    return s


def _resolve(p, bindings: dict[str, float]) -> float:
    if isinstance(p, Sym):
        return p.scale * float(bindings[p.name]) + p.offset
    return float(p)


def unitary_ops(circuit: Circuit, drop_noise: bool, where: str, why: str):
    """``(index, op, gate)`` of the circuit's unitary ops; a noise channel raises a ValueError
    naming ``where`` and ``why``, or is skipped with ``drop_noise``.

    >>> from qnas.ir import Op
    >>> [i for i, _, _ in unitary_ops(Circuit(1, [Op("x", (0,))]), False, "f", "")]
    [0]
    """
    from qnas.gates import get_gate

    for i, op in enumerate(circuit.ops):
        g = get_gate(op.gate)
        if g.kraus:
            if drop_noise:
                continue
            raise ValueError(f"{where}: op {i} is noise channel {g.name!r}; {why} (pass "
                             "drop_noise=True to omit noise)")
        yield i, op, g


def to_qasm(circuit: Circuit, bindings: dict[str, float] | None = None, *,
            drop_noise: bool = False) -> str:
    """OpenQASM 2.0 text of ``circuit``; symbols must be bound via ``bindings``."""

    bindings = dict(bindings or {})
    unbound = [n for n in circuit.parameters + circuit.inputs if n not in bindings]
    used = {p.name for op in circuit.ops for p in op.params if isinstance(p, Sym)}
    unbound = [n for n in unbound if n in used]
    if unbound:
        raise ValueError(
            f"to_qasm: unbound parameters/inputs {unbound}; pass bindings={{name: value}}"
        )
    lines, needed = [], set()
    for i, op, g in unitary_ops(circuit, drop_noise, "to_qasm", "OpenQASM 2 has none"):
        name = g.name
        if name == "mcx":
            name = {2: "cx", 3: "ccx", 4: "c3x", 5: "c4x"}.get(len(op.wires), "")
            if not name:
                raise ValueError(f"to_qasm: op {i}: mcx with {len(op.wires) - 1} controls has "
                                 "no OpenQASM 2 form (at most 4 controls)")
        elif name in DEFINITIONS:
            needed.add(name)
        elif not g.qasm or name not in QELIB1:
            raise ValueError(f"to_qasm: op {i}: gate {name!r} has no OpenQASM 2 form; "
                             "decompose it first")
        vals = [format_float(_resolve(p, bindings)) for p in op.params]
        head = f"{name}({','.join(vals)})" if vals else name
        lines.append(f"{head} {','.join(f'q[{w}]' for w in op.wires)};")
    if "ecr" in needed:
        needed.add("rzx")
    defs = [DEFINITIONS[n] for n in DEFINITIONS if n in needed]
    head = ['OPENQASM 2.0;', 'include "qelib1.inc";', *defs, f"qreg q[{circuit.n_qubits}];"]
    return "\n".join(head + lines) + "\n"

