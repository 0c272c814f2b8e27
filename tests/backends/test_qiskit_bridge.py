"""Qiskit bridge: exact round trips, parameter handling, decomposition and errors."""

import math
import random

import numpy as np
import pytest

from qnas.gates import all_gates, get_gate
from qnas.ir import Circuit, Op, Sym, inp, param
from qnas.ir.qasm_mapping import ops_unitary

qiskit = pytest.importorskip("qiskit")
from qiskit import QuantumCircuit, QuantumRegister, transpile  # noqa: E402
from qiskit.circuit import Parameter, ParameterVector  # noqa: E402
from qiskit.quantum_info import Operator, random_unitary  # noqa: E402

from qnas.ir.qiskit_bridge import from_qiskit, to_qiskit  # noqa: E402

GATES = sorted(n for n, g in all_gates().items() if not g.kraus)


def _value(rng: random.Random):
    r = rng.random()
    if r < 0.5:
        return rng.uniform(-7, 7)
    sym = param(f"w{rng.randrange(4)}") if r < 0.8 else inp(f"x{rng.randrange(3)}")
    return sym if rng.random() < 0.5 else rng.uniform(-3, 3) * sym + rng.uniform(-3, 3)


def random_circuit(rng: random.Random, n: int, length: int = 30, symbols: bool = True):
    ops = []
    for _ in range(length):
        name = rng.choice(GATES)
        g = get_gate(name)
        if name == "mcx":
            k = rng.choice([k for k in (4, 5, 6) if k <= n] or [0])
        elif name == "unitary":
            k = rng.randint(1, min(n, 3))
        else:
            k = g.num_wires
        if k == 0 or k > n:
            continue
        wires = tuple(rng.sample(range(n), k))
        if name == "unitary":
            u = random_unitary(2**k, seed=rng.randrange(10**6)).data
            vals = tuple(np.concatenate([u.real.ravel(), u.imag.ravel()]).tolist())
        else:
            vals = tuple(_value(rng) if symbols else rng.uniform(-7, 7)
                         for _ in range(g.num_params))
        ops.append(Op(name, wires, vals))
    return Circuit(n, ops)


def _phase_equal(a: np.ndarray, b: np.ndarray, atol=1e-9) -> bool:
    k = np.argmax(np.abs(b))
    phase = a.flat[k] / b.flat[k]
    return abs(abs(phase) - 1) < atol and np.allclose(a, phase * b, atol=atol)


@pytest.mark.parametrize("n", range(1, 7))
def test_round_trip_is_exact(n):
    c = random_circuit(random.Random(n), n)
    assert from_qiskit(to_qiskit(c)) == c


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_qiskit_operator_matches_qnas_unitary(n):
    c = random_circuit(random.Random(50 + n), n, length=25, symbols=False)
    theirs = Operator(to_qiskit(c)).reverse_qargs().data
    np.testing.assert_allclose(ops_unitary(c.ops, n).numpy(), theirs, atol=1e-10)


def test_parameters_become_named_qiskit_parameters():
    c = Circuit(2, [Op("rx", (0,), (param("b"),)), Op("rzz", (0, 1), (-2.5 * param("a") + 1.0,)),
                    Op("ry", (1,), (inp("x0"),))])
    qc = to_qiskit(c)
    assert [p.name for p in qc.parameters] == ["a", "b", "x0"]
    bound = qc.assign_parameters({p: 0.5 for p in qc.parameters})
    assert float(bound.data[1].operation.params[0]) == pytest.approx(-0.25)


def test_foreign_circuit_orders_params_like_qiskit_and_inputs_as_given():
    theta = ParameterVector("theta", 11)
    b, a = Parameter("b"), Parameter("a")
    qc = QuantumCircuit(2)
    for i, t in enumerate(theta):
        qc.ry(t, i % 2)
    qc.rx(b, 0)
    qc.rz(a, 1)
    qc.crx(Parameter("x1"), 0, 1)
    qc.crz(Parameter("x0"), 1, 0)
    c = from_qiskit(qc, inputs=["x1", "x0", "unused"])
    assert c.parameters == ("a", "b") + tuple(f"theta[{i}]" for i in range(11))
    assert c.inputs == ("x1", "x0", "unused")
    assert c.ops[-1].params == (inp("x0"),)


def test_affine_expressions_become_syms():
    t = Parameter("theta")
    qc = QuantumCircuit(1)
    qc.rx(2 * t + math.pi / 2, 0)
    qc.ry(-t / 2, 0)
    qc.rz(t / 3 - 1, 0)
    qc.p(t, 0)
    got = [op.params[0] for op in from_qiskit(qc).ops]
    assert got[0] == Sym("theta", "param", 2.0, math.pi / 2)
    assert (got[1].scale, got[1].offset) == (-0.5, 0.0)
    assert got[2].scale == pytest.approx(1 / 3) and got[2].offset == -1.0
    assert got[3] == param("theta")


@pytest.mark.parametrize("make", [
    lambda t, s: t.sin(), lambda t, s: t * t, lambda t, s: t * s, lambda t, s: t + s,
])
def test_non_affine_or_multi_parameter_expressions_raise(make):
    qc = QuantumCircuit(1)
    qc.rx(make(Parameter("t"), Parameter("s")), 0)
    with pytest.raises(ValueError, match="affine"):
        from_qiskit(qc)


def test_registers_flatten_and_non_unitary_ops_are_ignored():
    qa, qb = QuantumRegister(2, "a"), QuantumRegister(1, "b")
    qc = QuantumCircuit(qa, qb)
    qc.add_register(qiskit.ClassicalRegister(3, "c"))
    qc.h(qb[0])
    qc.barrier()
    qc.cx(qa[1], qb[0])
    qc.delay(100, qa[0])
    qc.measure(range(3), range(3))
    c = from_qiskit(qc)
    assert c.ops == (Op("h", (2,)), Op("cx", (1, 2)))


def test_unknown_gates_are_expanded_through_their_definition():
    from qiskit.circuit.library import QFTGate, RCCXGate, XGate

    qc = QuantumCircuit(3)
    qc.h([0, 1, 2])
    qc.append(RCCXGate(), [2, 0, 1])
    qc.append(XGate().control(1, ctrl_state=0), [1, 2])
    qc.append(QFTGate(3), [0, 1, 2])
    qc.mcx([0], 2)
    c = from_qiskit(qc)
    assert "rccx" not in c.count_ops() and "cx" in c.count_ops()
    want = Operator(qc).reverse_qargs().data
    assert _phase_equal(ops_unitary(c.ops, 3).numpy(), want)


def test_transpiled_circuit_matches_up_to_global_phase():
    c = random_circuit(random.Random(3), 3, length=15, symbols=False)
    tqc = transpile(to_qiskit(c), basis_gates=["rz", "sx", "cx"], optimization_level=1,
                    seed_transpiler=1)
    back = from_qiskit(tqc)
    assert set(back.count_ops()) <= {"rz", "sx", "cx"}
    want = ops_unitary(c.ops, 3).numpy()
    assert _phase_equal(ops_unitary(back.ops, 3).numpy(), want, atol=1e-7)


def test_unsupported_instructions_raise():
    qc = QuantumCircuit(1, 1)
    qc.reset(0)
    with pytest.raises(ValueError, match="'reset' is not supported"):
        from_qiskit(qc)
    qc = QuantumCircuit(1, 1)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(0)
    with pytest.raises(ValueError, match="'if_else' is not supported"):
        from_qiskit(qc)
    from qiskit.circuit import Instruction

    qc = QuantumCircuit(1)
    qc.append(Instruction("mystery", 1, 0, []), [0])
    with pytest.raises(ValueError, match="unsupported instruction 'mystery'"):
        from_qiskit(qc)


def test_noise_channels_need_drop_flag():
    noisy = [n for n, g in all_gates().items() if g.kraus and g.num_wires == 1 and g.num_params]
    if not noisy:
        pytest.skip("no noise channels registered yet")
    g = get_gate(noisy[0])
    c = Circuit(1, [Op("h", (0,)), Op(g.name, (0,), (0.01,) * g.num_params)])
    with pytest.raises(ValueError, match="noise channel"):
        to_qiskit(c)
    assert [i.operation.name for i in to_qiskit(c, drop_noise=True).data] == ["h"]
