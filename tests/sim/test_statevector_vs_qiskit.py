"""The statevector simulator agrees with Qiskit on random circuits over every registered gate."""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import qnas
from qnas.ir import Circuit, Op, inp, param

sys.path.insert(0, str(Path(__file__).parent))
from helpers import dense_reference, random_circuit, unitary_gates  # noqa: E402

qi = pytest.importorskip("qiskit.quantum_info")


def _qiskit_state(c: Circuit) -> np.ndarray:
    return np.asarray(qi.Statevector(c.to_qiskit()).data)


@pytest.mark.parametrize("n", range(1, 11))
def test_random_circuits_match_qiskit(n):
    rng = np.random.default_rng(100 + n)
    for _ in range(4 if n < 8 else 2):
        c = random_circuit(n, 30, rng)
        ref = _qiskit_state(c)
        s64 = qnas.simulate(c)[0].numpy()
        s128 = qnas.simulate(c, dtype=torch.complex128)[0].numpy()
        assert np.abs(s64 - ref).max() < 1e-5
        assert np.abs(s128 - ref).max() < 1e-10


def test_every_gate_is_exercised_alone():
    rng = np.random.default_rng(7)
    for name in unitary_gates():
        c = random_circuit(4, 1, rng, gates=[name])
        h = Circuit(4, tuple(Op("h", (w,)) for w in range(4)) + c.ops)  # generic input state
        np.testing.assert_allclose(qnas.simulate(h, dtype=torch.complex128)[0].numpy(),
                                   _qiskit_state(h), atol=1e-10, err_msg=name)


@pytest.mark.parametrize("fuse", [True, False])
def test_fast_paths_agree_with_dense_reference(fuse):
    from qnas.sim.statevector import simulate_statevector

    rng = np.random.default_rng(3)
    for n in (2, 3, 5, 7):
        c = random_circuit(n, 40, rng)
        got = simulate_statevector(c, dtype=torch.complex128, fuse=fuse)[0].numpy()
        np.testing.assert_allclose(got, dense_reference(c), atol=1e-10)


def _classifier(n, blocks=2):
    ops = [Op(g, (w,), (inp(f"x{l * n + w}"),)) for l, g in enumerate("ry rz rx".split())
           for w in range(n)]
    k = 0
    for _ in range(blocks):
        for w in range(n):
            ops.append(Op("u3", (w,), tuple(param(f"w{k + i}") for i in range(3))))
            k += 3
        for w in range(n):
            ops.append(Op("cu3", (w, (w + 1) % n), tuple(param(f"w{k + i}") for i in range(3))))
            k += 3
    return Circuit(n, tuple(ops))


@pytest.mark.parametrize("n,batch", [(3, 32), (4, 64), (6, 8)])
def test_batched_inputs_match_per_sample_qiskit(n, batch):
    c = _classifier(n)
    g = torch.Generator().manual_seed(0)
    w = torch.rand(len(c.parameters), generator=g, dtype=torch.float64) * 6
    x = torch.rand(batch, len(c.inputs), generator=g, dtype=torch.float64) * 6
    states = qnas.simulate(c, w, x, dtype=torch.complex128).numpy()
    for b in (0, batch // 2, batch - 1):
        bound = {**dict(zip(c.parameters, w.tolist())), **dict(zip(c.inputs, x[b].tolist()))}
        qc = c.to_qiskit().assign_parameters(bound)
        np.testing.assert_allclose(states[b], qi.Statevector(qc).data, atol=1e-10)


def test_per_sample_params():
    c = _classifier(3, 1)
    w = torch.rand(5, len(c.parameters), dtype=torch.float64)
    x = torch.rand(5, len(c.inputs), dtype=torch.float64)
    batched = qnas.simulate(c, w, x, dtype=torch.complex128)
    for b in range(5):
        one = qnas.simulate(c, w[b], x[b : b + 1], dtype=torch.complex128)
        torch.testing.assert_close(batched[b], one[0])


def test_expval_matches_qiskit():
    rng = np.random.default_rng(11)
    for n in (1, 3, 5):
        c = random_circuit(n, 20, rng)
        labels = ["".join(rng.choice(list("IXYZ"), n)) for _ in range(6)]
        coeffs = rng.normal(size=6)
        op = qi.SparsePauliOp(labels, coeffs)
        ref = qi.Statevector(c.to_qiskit()).expectation_value(op).real
        got = qnas.expval(c, op, dtype=torch.complex128)
        assert got.shape == (1,)
        assert abs(got.item() - ref) < 1e-10
        many = qnas.expval(c, [qnas.PauliSum(list(zip(labels, coeffs))), qnas.PauliSum(labels[0])],
                           dtype=torch.complex128)
        assert many.shape == (1, 2)
        assert abs(many[0, 0].item() - ref) < 1e-10


def test_qiskit_bit_order_is_direct():
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(3)
    qc.x(0)
    state = qnas.simulate(Circuit.from_qiskit(qc))[0]
    assert state[1].abs().item() == pytest.approx(1.0)  # qubit 0 is bit 0
    assert qnas.expval(Circuit.from_qiskit(qc), "IIZ").item() == pytest.approx(-1.0)
