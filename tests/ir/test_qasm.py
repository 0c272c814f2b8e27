"""OpenQASM 2.0 import/export: parsing features, round trips, Qiskit agreement, errors."""

import math
import random

import numpy as np
import pytest

import qnas
from qnas.gates import all_gates, get_gate
from qnas.ir import Circuit, Op, inp, param
from qnas.ir.qasm import format_float, from_qasm, to_qasm
from qnas.ir.qasm_mapping import DEFINITIONS, QELIB1, ops_unitary

HEAD = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
QASM_GATES = sorted(
    n for n, g in all_gates().items() if not g.kraus and n != "unitary"
)


def random_qasm_circuit(rng: random.Random, n: int, length: int = 30) -> Circuit:
    ops = []
    for _ in range(length):
        name = rng.choice(QASM_GATES)
        g = get_gate(name)
        k = rng.choice([w for w in (4, 5) if w <= n] or [0]) if name == "mcx" else g.num_wires
        if k == 0 or k > n:
            continue
        vals = tuple(rng.uniform(-7, 7) for _ in range(g.num_params))
        ops.append(Op(name, tuple(rng.sample(range(n), k)), vals))
    return Circuit(n, ops)


# --- parsing -----------------------------------------------------------------
def test_registers_flatten_and_broadcast():
    c = from_qasm(HEAD + "qreg a[2];\nqreg b[2];\ncreg m[2];\nh a;\ncx a, b;\nswap a[1], b[0];\n"
                  "measure a -> m;\nbarrier a, b;\n")
    assert c.n_qubits == 4
    assert [(op.gate, op.wires) for op in c.ops] == [
        ("h", (0,)), ("h", (1,)), ("cx", (0, 2)), ("cx", (1, 3)), ("swap", (1, 2))]


def test_expressions_and_comments():
    c = from_qasm(HEAD + "qreg q[1]; // a comment\n"
                  "rz(-pi/2 + 2^-1) q[0];\nrx(sqrt(4)*cos(0) - ln(exp(1))) q[0];\n"
                  "ry(-(1.5e-1)) q[0];\nu3(3/2, -2^2, tan(pi/4)) q[0];\n"
                  "p(asin(1) + acos(1) + atan(0) + sin(0)) q[0];\n")
    vals = [op.params for op in c.ops]
    assert vals[0] == pytest.approx((-math.pi / 2 + 0.5,))
    assert vals[1] == (1.0,)
    assert vals[2] == (-0.15,)
    assert vals[3] == pytest.approx((1.5, -4.0, 1.0))
    assert vals[4] == pytest.approx((math.pi / 2,))


def test_aliases_map_to_registry_names():
    c = from_qasm(HEAD + "qreg q[5];\nu1(0.1) q[0];\nu(1,2,3) q[1];\ncu1(0.2) q[0],q[1];\n"
                  "U(1,2,3) q[2];\nCX q[0],q[2];\nu0(5) q[3];\nc3x q[0],q[1],q[2],q[3];\n"
                  "c4x q[0],q[1],q[2],q[3],q[4];\n")
    assert [op.gate for op in c.ops] == ["p", "u3", "cp", "u3", "cx", "id", "mcx", "mcx"]
    assert c.ops[5].params == ()
    assert c.ops[7].wires == (0, 1, 2, 3, 4)


def test_user_gate_is_inlined_with_params():
    c = from_qasm(HEAD + "gate g(a, b) x, y {\n  rz(a/2) x; barrier x, y;\n  crx(b - a) y, x;\n}\n"
                  "qreg q[3];\ng(1, 3) q[2], q[0];\n")
    assert c.ops == (Op("rz", (2,), (0.5,)), Op("crx", (0, 2), (2.0,)))


def test_exported_definitions_map_back_to_registry_gates():
    ops = [Op("ryy", (0, 1), (0.3,)), Op("rzx", (1, 0), (-0.2,)), Op("ecr", (0, 1)),
           Op("iswap", (1, 0)), Op("r", (1,), (0.4, -1.1))]
    c = Circuit(2, ops)
    text = to_qasm(c)
    assert all(DEFINITIONS[n] in text for n in ("ryy", "rzx", "ecr", "iswap", "r"))
    assert from_qasm(text) == c


def test_definition_with_registry_name_but_other_body_is_inlined():
    c = from_qasm(HEAD + "gate iswap a, b { cx a, b; }\nqreg q[2];\niswap q[0], q[1];\n")
    assert c.ops == (Op("cx", (0, 1)),)


@pytest.mark.parametrize("name", ["rccx", "rc3x", "c3sqrtx"])
def test_qelib1_gates_without_registry_entry_are_inlined(name):
    n = 3 if name == "rccx" else 4
    args = ",".join(f"q[{i}]" for i in range(n))
    c = from_qasm(HEAD + f"qreg q[{n}];\n{name} {args};\n")
    assert len(c.ops) > 5 and {op.gate for op in c.ops} <= {"u2", "p", "cx", "h", "cp"}


# --- round trips -------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_random_round_trip(seed):
    rng = random.Random(seed)
    c = random_qasm_circuit(rng, n=seed + 1)
    assert Circuit.from_qasm(c.to_qasm()) == c


def test_bindings_resolve_affine_symbols():
    c = Circuit(1, [Op("rx", (0,), (2.0 * param("w") + 0.5,)), Op("ry", (0,), (inp("x"),))])
    out = from_qasm(to_qasm(c, {"w": 0.25, "x": -1e-7}))
    assert out.ops[0].params == (1.0,) and out.ops[1].params == (-1e-7,)


def test_format_float_round_trips_exactly():
    for v in (1e-05, -2.5e-300, 1e22, 0.1 + 0.2, math.pi, 3.0):
        text = format_float(v)
        assert "." in text and float(text) == v


def test_mcx_small_exports_as_cx_ccx():
    c = Circuit(3, [Op("mcx", (0, 1)), Op("mcx", (2, 0, 1))])
    assert [op.gate for op in from_qasm(to_qasm(c)).ops] == ["cx", "ccx"]


# --- agreement with Qiskit -----------------------------------------------------
def _prep(n: int) -> str:
    lines = [f"qreg q[{n}];"]
    for i in range(n):
        lines.append(f"ry({0.3 + 0.4 * i!r}) q[{i}];\nrz({-0.7 + 0.5 * i!r}) q[{i}];")
    return "\n".join(lines) + "\n"


QELIB1_ALL = sorted(QELIB1) + ["rccx", "rc3x", "c3sqrtx", "U", "CX"]


@pytest.mark.parametrize("name", QELIB1_ALL)
def test_each_qelib1_gate_matches_qiskit_statevector(name):
    pytest.importorskip("qiskit")
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector

    n_par, n_q = {"U": (3, 1), "CX": (0, 2), "rccx": (0, 3), "rc3x": (0, 4),
                  "c3sqrtx": (0, 4)}.get(name, QELIB1.get(name, (None, 0, 0))[1:3])
    vals = ["3"] if name == "u0" else ["0.7", "-pi/3", "2*1.1", "-0.4"][:n_par]
    head = f"{name}({','.join(vals)})" if vals else name
    wires = list(range(n_q))[::-1]
    text = HEAD + _prep(n_q) + f"{head} {','.join(f'q[{w}]' for w in wires)};\n"
    ours = Statevector(from_qasm(text).to_qiskit()).data
    theirs = Statevector(QuantumCircuit.from_qasm_str(text)).data
    np.testing.assert_allclose(ours, theirs, atol=1e-10)


@pytest.mark.parametrize("seed", range(4))
def test_exported_qasm_loads_in_qiskit_with_same_unitary(seed):
    pytest.importorskip("qiskit")
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Operator

    c = random_qasm_circuit(random.Random(100 + seed), n=seed + 2, length=25)
    theirs = Operator(QuantumCircuit.from_qasm_str(c.to_qasm())).reverse_qargs().data
    np.testing.assert_allclose(ops_unitary(c.ops, c.n_qubits).numpy(), theirs, atol=1e-9)


def test_qiskit_exporter_output_is_recognised():
    pytest.importorskip("qiskit")
    from qiskit import QuantumCircuit, qasm2

    qc = QuantumCircuit(4)
    qc.ryy(0.3, 0, 1)
    qc.rzx(0.2, 1, 2)
    qc.ecr(2, 3)
    qc.iswap(0, 3)
    qc.r(0.1, 0.2, 1)
    qc.mcx([0, 1, 2], 3)
    c = from_qasm(qasm2.dumps(qc))
    assert [op.gate for op in c.ops] == ["ryy", "rzx", "ecr", "iswap", "r", "mcx"]
    assert c.ops[-1].wires == (0, 1, 2, 3)


@pytest.mark.skipif(not hasattr(qnas, "simulate"), reason="qnas.simulate not available yet")
def test_simulate_matches_qiskit_statevector():
    pytest.importorskip("qiskit")
    import torch
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector

    c = random_qasm_circuit(random.Random(7), n=4, length=40)
    text = c.to_qasm()
    got = qnas.simulate(Circuit.from_qasm(text), dtype=torch.complex128)[0].numpy()
    want = Statevector(QuantumCircuit.from_qasm_str(text)).data
    np.testing.assert_allclose(got, want, atol=1e-6)


# --- errors --------------------------------------------------------------------
BAD = [
    ("qreg q[1];\nh q[0];\n", "line 1.*OPENQASM"),
    ("OPENQASM 3.0;\nqubit q;\n", "version '3.0'"),
    (HEAD + "qreg q[2];\nh q[0]\nx q[1];\n", "line 4: missing ';' after '\\]' \\(found 'x'\\)"),
    (HEAD + "qreg q[2];\nh q[2];\n", "line 4: index 2 out of range"),
    (HEAD + "qreg q[2];\nh q[a];\n", "line 4: expected an integer index"),
    (HEAD + "qreg q[2];\ncx q[0];\n", "line 4: gate 'cx' acts on 2 qubit"),
    (HEAD + "qreg q[2];\nrx q[0];\n", "line 4: gate 'rx' takes 1 parameter"),
    (HEAD + "qreg q[2];\nfoo q[0];\n", "line 4: unknown gate 'foo'"),
    ('OPENQASM 2.0;\nqreg q[2];\nh q[0];\n', "unknown gate 'h'.*qelib1"),
    (HEAD + "qreg q[2];\nreset q[0];\n", "line 4: unsupported statement 'reset'"),
    (HEAD + "qreg q[2];\ncreg c[1];\nif (c==1) x q[0];\n", "line 5: unsupported statement 'if'"),
    (HEAD + "opaque g q;\nqreg q[1];\n", "line 3: unsupported statement 'opaque'"),
    ('OPENQASM 2.0;\ninclude "other.inc";\n', "line 2: cannot include"),
    (HEAD + "qreg q[2];\nh r[0];\n", "unknown qreg 'r'"),
    (HEAD + "qreg a[2];\nqreg b[3];\ncx a, b;\n", "line 5: .*unequal size"),
    (HEAD + "qreg q[2];\ncx q[0], q[0];\n", "repeated qubit"),
    (HEAD + "qreg q[1];\nrx(1/0) q[0];\n", "cannot evaluate"),
    (HEAD + "qreg q[1];\nrx(theta) q[0];\n", "line 4: unknown name 'theta'"),
    (HEAD + "qreg q[1];\nrx(ln(0)) q[0];\n", "ln"),
    (HEAD + "creg c[1];\n", "no qreg"),
    (HEAD + "qreg q[1];\nqreg q[2];\n", "declared twice"),
    (HEAD + "gate h a { x a; }\nqreg q[1];\n", "line 3: gate 'h' is already defined"),
    (HEAD + "gate g a { x b; }\nqreg q[1];\n", "line 3: gate 'g': unknown qubit 'b'"),
    (HEAD + "gate g(t) a { rx(s) a; }\nqreg q[1];\n", "unknown parameter 's'"),
    (HEAD + "qreg q[1];\nh q[0]; $\n", "line 4: unexpected character '\\$'"),
]


@pytest.mark.parametrize("text, match", BAD)
def test_malformed_or_unsupported_qasm_raises(text, match):
    with pytest.raises(ValueError, match=match):
        from_qasm(text)


def test_to_qasm_errors():
    c = Circuit(2, [Op("rx", (0,), (param("a"),)), Op("ry", (1,), (inp("x"),))])
    with pytest.raises(ValueError, match=r"unbound parameters/inputs \['a', 'x'\]"):
        to_qasm(c)
    with pytest.raises(ValueError, match=r"\['x'\]"):
        to_qasm(c, {"a": 1.0})
    u = Circuit(1, [Op("unitary", (0,), (1, 0, 0, 1, 0, 0, 0, 0))])
    with pytest.raises(ValueError, match="'unitary' has no OpenQASM 2 form"):
        to_qasm(u)
    with pytest.raises(ValueError, match="mcx with 5 controls"):
        to_qasm(Circuit(6, [Op("mcx", tuple(range(6)))]))
