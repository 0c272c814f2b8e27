"""OpenQASM 2.0 import/export for :class:`~qnas.ir.Circuit` (own parser; no Qiskit needed).

Import: ``qreg``s are flattened into consecutive wires in declaration order; ``creg``,
``measure`` and ``barrier`` are accepted and ignored; register broadcast (``h q;``),
parameter expressions and user ``gate`` blocks (inlined) are supported. A user gate whose
name is a registry gate that ``qelib1.inc`` lacks (``ryy rzx ecr iswap r mcx``) and whose
body has that gate's unitary (up to global phase) becomes that registry gate, so exported
definitions round-trip. ``reset``, ``if``, ``opaque`` and OpenQASM 3 raise ValueError.

Export: OpenQASM 2.0 with ``qelib1.inc`` plus inline definitions for ``ryy rzx ecr iswap r``;
floats use ``repr`` so they round-trip exactly.

>>> from qnas.ir import Circuit
>>> c = Circuit.from_qasm('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; h q; cx q[0], q[1];')
>>> [op.gate for op in c.ops]
['h', 'h', 'cx']
>>> Circuit.from_qasm(c.to_qasm()) == c
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qnas.ir.circuit import Circuit, Op
from qnas.ir.qasm_export import format_float, to_qasm
from qnas.ir.qasm_expr import (
    TokenStream,
    evaluate,
    free_names,
    parse_expr,
    qasm_error,
    tokenize,
)
from qnas.ir.qasm_mapping import DEFINITIONS, QELIB1, QELIB1_BODIES, body_matches


@dataclass
class _GateDef:
    """A gate known to the parser: a registry mapping (``target``) or a body to inline."""

    name: str
    n_params: int
    n_qubits: int
    target: tuple | None = None  # (qnas gate name, param transform or None)
    params: list[str] = field(default_factory=list)
    qubits: list[str] = field(default_factory=list)
    body: list = field(default_factory=list)  # (name, [expr], [qubit name], line)


class _Parser:
    def __init__(self, text: str):
        self.ts = TokenStream(tokenize(text))
        self.gates: dict[str, _GateDef] = {
            "U": _GateDef("U", 3, 1, ("u3", None)),
            "CX": _GateDef("CX", 0, 2, ("cx", None)),
        }
        self.qregs: dict[str, tuple[int, int]] = {}  # name -> (offset, size)
        self.cregs: dict[str, int] = {}
        self.n_qubits = 0
        self.ops: list[Op] = []

    # -- top level ------------------------------------------------------------
    def parse(self) -> Circuit:
        self._header()
        ts = self.ts
        while ts.peek().kind != "eof":
            t = ts.peek()
            if t.kind != "id":
                raise qasm_error(t.line, f"unexpected {t.text!r} at the start of a statement")
            handler = {
                "include": self._include, "qreg": self._reg, "creg": self._reg,
                "gate": self._gate_def, "measure": self._measure, "barrier": self._barrier,
            }.get(t.text)
            if handler is not None:
                handler()
            elif t.text in ("reset", "if", "opaque", "OPENQASM"):
                raise qasm_error(t.line, f"unsupported statement {t.text!r}")
            else:
                self._apply_statement()
        if not self.qregs:
            raise ValueError("QASM: no qreg declared")
        return Circuit(self.n_qubits, self.ops)

    def _header(self):
        ts = self.ts
        t = ts.peek()
        if not ts.at("OPENQASM"):
            raise qasm_error(t.line, f"expected 'OPENQASM 2.0;' header but found {t.text!r}")
        ts.next()
        v = ts.next()
        if v.kind not in ("real", "int") or float(v.text) != 2.0:
            raise qasm_error(v.line, f"unsupported OpenQASM version {v.text!r} (only 2.0)")
        ts.expect(";")

    def _include(self):
        ts = self.ts
        ts.next()
        f = ts.expect_kind("str", "a quoted file name")
        if f.text != '"qelib1.inc"':
            raise qasm_error(f.line, f"cannot include {f.text} (only \"qelib1.inc\")")
        ts.expect(";")
        if "h" in self.gates:
            return
        for name, (target, n_par, n_q, transform) in QELIB1.items():
            self._define(name, _GateDef(name, n_par, n_q, (target, transform)), f.line)
        for src in QELIB1_BODIES:
            sub = _Parser(src)
            sub.gates = self.gates
            sub._gate_def()

    def _reg(self):
        ts = self.ts
        kw = ts.next()
        name = ts.expect_kind("id", f"a register name after {kw.text!r}")
        ts.expect("[")
        size = ts.expect_kind("int", "an integer register size")
        ts.expect("]")
        ts.expect(";")
        n = int(size.text)
        if n < 1:
            raise qasm_error(size.line, f"register {name.text!r} has size {n}")
        if name.text in self.qregs or name.text in self.cregs:
            raise qasm_error(name.line, f"register {name.text!r} declared twice")
        if kw.text == "qreg":
            self.qregs[name.text] = (self.n_qubits, n)
            self.n_qubits += n
        else:
            self.cregs[name.text] = n

    def _measure(self):
        ts = self.ts
        ts.next()
        q = self._arg(self.qregs, "qreg")
        ts.expect("->")
        c = self._arg(self.cregs, "creg")
        ts.expect(";")
        if len(q) != len(c):
            raise qasm_error(ts.peek().line, "measure: qubit and bit registers differ in size")

    def _barrier(self):
        self.ts.next()
        self._arg_list()
        self.ts.expect(";")

    # -- arguments ------------------------------------------------------------
    def _arg(self, regs: dict, what: str) -> list[int]:
        ts = self.ts
        name = ts.expect_kind("id", f"a {what} name")
        if name.text not in regs:
            raise qasm_error(name.line, f"unknown {what} {name.text!r}")
        reg = regs[name.text]
        offset, size = reg if isinstance(reg, tuple) else (0, reg)
        if ts.accept("["):
            idx = ts.expect_kind("int", "an integer index")
            ts.expect("]")
            k = int(idx.text)
            if k >= size:
                raise qasm_error(idx.line, f"index {k} out of range for {name.text}[{size}]")
            return [offset + k]
        return list(range(offset, offset + size))

    def _arg_list(self) -> list[list[int]]:
        args = [self._arg(self.qregs, "qreg")]
        while self.ts.accept(","):
            args.append(self._arg(self.qregs, "qreg"))
        return args

    # -- gates ----------------------------------------------------------------
    def _define(self, name: str, g: _GateDef, line: int):
        if name in self.gates:
            raise qasm_error(line, f"gate {name!r} is already defined")
        self.gates[name] = g

    def _lookup(self, tok) -> _GateDef:
        g = self.gates.get(tok.text)
        if g is None:
            hint = " (missing include \"qelib1.inc\"?)" if tok.text in QELIB1 else ""
            raise qasm_error(tok.line, f"unknown gate {tok.text!r}{hint}")
        return g

    def _params(self) -> list:
        exprs = []
        if self.ts.accept("("):
            if not self.ts.at(")"):
                exprs.append(parse_expr(self.ts))
                while self.ts.accept(","):
                    exprs.append(parse_expr(self.ts))
            self.ts.expect(")", " to close the parameter list")
        return exprs

    def _check_arity(self, g: _GateDef, tok, n_par: int, n_q: int):
        if n_par != g.n_params:
            raise qasm_error(
                tok.line, f"gate {g.name!r} takes {g.n_params} parameter(s), got {n_par}"
            )
        if n_q != g.n_qubits:
            raise qasm_error(tok.line, f"gate {g.name!r} acts on {g.n_qubits} qubit(s), got {n_q}")

    def _apply_statement(self):
        ts = self.ts
        tok = ts.next()
        g = self._lookup(tok)
        exprs = self._params()
        args = self._arg_list()
        ts.expect(";")
        self._check_arity(g, tok, len(exprs), len(args))
        values = [evaluate(e, {}) for e in exprs]
        sizes = {len(a) for a in args if len(a) > 1}
        if len(sizes) > 1:
            raise qasm_error(tok.line, f"{tok.text}: broadcast over registers of unequal size")
        width = sizes.pop() if sizes else 1
        for k in range(width):
            wires = [a[k] if len(a) > 1 else a[0] for a in args]
            if len(set(wires)) != len(wires):
                raise qasm_error(tok.line, f"{tok.text}: repeated qubit in arguments")
            self._emit(g, values, wires)

    def _emit(self, g: _GateDef, values: list[float], wires: list[int]):
        if g.target is not None:
            name, transform = g.target
            vals = transform(values) if transform else values
            self.ops.append(Op(name, tuple(wires), tuple(vals)))
            return
        env = dict(zip(g.params, values, strict=True))
        qmap = dict(zip(g.qubits, wires, strict=True))
        for name, exprs, qargs, _line in g.body:
            sub = self.gates[name]
            vals = [evaluate(e, env) for e in exprs]
            self._emit(sub, vals, [qmap[q] for q in qargs])

    def _gate_def(self):
        ts = self.ts
        ts.next()
        name = ts.expect_kind("id", "a gate name")
        params: list[str] = []
        if ts.accept("("):
            while not ts.at(")"):
                params.append(ts.expect_kind("id", "a parameter name").text)
                if not ts.accept(","):
                    break
            ts.expect(")", " to close the parameter list")
        qubits = [ts.expect_kind("id", "a qubit name").text]
        while ts.accept(","):
            qubits.append(ts.expect_kind("id", "a qubit name").text)
        if len(set(qubits)) != len(qubits) or len(set(params)) != len(params):
            raise qasm_error(name.line, f"gate {name.text!r}: repeated argument name")
        ts.expect("{")
        body = []
        while not ts.accept("}"):
            tok = ts.next()
            if tok.kind == "eof":
                raise qasm_error(name.line, f"gate {name.text!r}: missing '}}'")
            if tok.text == "barrier":
                while not ts.accept(";"):
                    ts.next()
                continue
            sub = self._lookup(tok)
            exprs = self._params()
            qargs = [ts.expect_kind("id", "a qubit name")]
            while ts.accept(","):
                qargs.append(ts.expect_kind("id", "a qubit name"))
            ts.expect(";")
            self._check_arity(sub, tok, len(exprs), len(qargs))
            for q in qargs:
                if q.text not in qubits:
                    raise qasm_error(q.line, f"gate {name.text!r}: unknown qubit {q.text!r}")
            for var, ln in (v for e in exprs for v in free_names(e)):
                if var not in params:
                    raise qasm_error(ln, f"gate {name.text!r}: unknown parameter {var!r}")
            body.append((tok.text, exprs, [q.text for q in qargs], tok.line))
        g = _GateDef(name.text, len(params), len(qubits), None, params, qubits, body)
        if name.text in DEFINITIONS or name.text == "mcx":
            if body_matches(name.text, g.n_params, g.n_qubits, self._expand_local(g)):
                g.target = (name.text, None)
        self._define(name.text, g, name.line)

    def _expand_local(self, g: _GateDef):
        """A function of param values -> ops of ``g``'s body on local wires 0..k-1."""

        def expand(values):
            saved, self.ops = self.ops, []
            try:
                self._emit(g, list(values), list(range(g.n_qubits)))
                return self.ops
            finally:
                self.ops = saved

        return expand


def from_qasm(text: str) -> Circuit:
    """Parse an OpenQASM 2.0 program into a :class:`Circuit`."""
    return _Parser(text).parse()


__all__ = ["from_qasm", "to_qasm", "format_float"]
