"""Lower symbolic gates to ``rz``/``sx``/``cx`` (+ ``u3``) whose angles stay affine in ONE symbol.

Qiskit's basis translation of parameterized gates produces angles such as
``(phi + lambda) / 2`` (two symbols: not representable in the qnas IR) and can be very slow
on long parameterized circuits. Lowering every op that has a symbolic parameter *before*
transpiling avoids both: ``cu3(theta, phi, lam)`` becomes phase gates ``p(lam/2) p(phi/2)``
... each reading a single symbol. Ops with numeric parameters are left to Qiskit, which
synthesises them optimally. Results agree with the input up to a global phase.

>>> from qnas.ir import Circuit, Op, param
>>> c = Circuit(1, [Op("ry", (0,), (param("a"),))])
>>> [op.gate for op in lower_symbolic(c).ops]
['sx', 'rz', 'sx', 'rz']
"""

from __future__ import annotations

import math

from qnas.ir import Circuit, Op, Sym

PI = math.pi


def _is_sym(v) -> bool:
    return isinstance(v, Sym)


def _rz(angle, w) -> list[Op]:
    if not _is_sym(angle) and abs(math.remainder(float(angle), 2 * PI)) < 1e-12:
        return []
    return [Op("rz", (w,), (angle,))]


def _u3(theta, phi, lam, w, zsx: bool) -> list[Op]:
    """``u3 = rz(lam) sx rz(theta + pi) sx rz(phi + pi)`` (circuit order, up to phase)."""
    if not zsx:
        return [Op("u3", (w,), (theta, phi, lam))]
    return (_rz(lam, w) + [Op("sx", (w,))] + _rz(theta + PI, w) + [Op("sx", (w,))]
            + _rz(phi + PI, w))


def _one_qubit(op: Op, zsx: bool) -> list[Op] | None:
    g, (w,), p = op.gate, op.wires, op.params
    if g in ("rz", "p"):
        return _rz(p[0], w)
    table = {
        "rx": lambda: (p[0], -PI / 2, PI / 2),
        "ry": lambda: (p[0], 0.0, 0.0),
        "u2": lambda: (PI / 2, p[0], p[1]),
        "u3": lambda: p,
        "r": lambda: (p[0], p[1] - PI / 2, -p[1] + PI / 2),
    }
    if g not in table:
        return None
    return _u3(*table[g](), w, zsx)


def _two_qubit(op: Op, zsx: bool) -> list[Op] | None:
    g, p = op.gate, op.params
    c, t = op.wires
    cx = [Op("cx", (c, t))]

    def one(gate, w, *args):
        return _one_qubit(Op(gate, (w,), tuple(args)), zsx)

    def rzz(a):
        return cx + _rz(a, t) + cx

    def h(w):
        return [Op("h", (w,))]

    if g == "cp":
        a = p[0]
        return one("p", c, 0.5 * a) + cx + one("p", t, -0.5 * a) + cx + one("p", t, 0.5 * a)
    if g == "crz":
        a = p[0]
        return _rz(0.5 * a, t) + cx + _rz(-0.5 * a, t) + cx
    if g == "cry":
        a = p[0]
        return one("ry", t, 0.5 * a) + cx + one("ry", t, -0.5 * a) + cx
    if g == "crx":
        a = p[0]
        return (h(t) + _rz(0.5 * a, t) + cx + _rz(-0.5 * a, t) + cx + h(t))
    if g in ("cu3", "cu"):
        th, ph, la = p[:3]
        pre = _rz(p[3], c) if g == "cu" else []  # p(gamma) on the control
        return (pre + _rz(0.5 * la, c) + _rz(0.5 * ph, c) + _rz(0.5 * la, t) + _rz(-0.5 * ph, t)
                + cx + _rz(-0.5 * la, t) + _rz(-0.5 * ph, t) + one("ry", t, -0.5 * th) + cx
                + one("ry", t, 0.5 * th) + _rz(ph, t))
    if g == "rzz":
        return rzz(p[0])
    if g == "rxx":
        return h(c) + h(t) + rzz(p[0]) + h(c) + h(t)
    if g == "rzx":
        return h(t) + rzz(p[0]) + h(t)
    if g == "ryy":
        return (one("rx", c, PI / 2) + one("rx", t, PI / 2) + rzz(p[0])
                + one("rx", c, -PI / 2) + one("rx", t, -PI / 2))
    return None


def lower_symbolic(circuit: Circuit, zsx: bool = True) -> Circuit:
    """Rewrite ops with symbolic parameters into ``rz``/``sx``/``cx``/``h`` (``zsx=False``:
    into ``u3``/``rz``/``cx``/``h``) with single-symbol affine angles; other ops unchanged."""
    out: list[Op] = []
    for i, op in enumerate(circuit.ops):
        if not any(_is_sym(v) for v in op.params):
            out.append(op)
            continue
        fn = _one_qubit if len(op.wires) == 1 else _two_qubit if len(op.wires) == 2 else None
        new = fn(op, zsx) if fn else None
        if new is None:
            raise ValueError(f"op {i} ({op.to_text()}): cannot compile symbolic gate "
                             f"{op.gate!r}; bind its parameters to numbers first")
        out.extend(new)
    return Circuit(circuit.n_qubits, tuple(out), circuit.parameters, circuit.inputs)
