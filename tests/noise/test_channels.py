"""Noise channel ops: Kraus validity, registry integration, Aer equality, Pauli probabilities."""

import numpy as np
import pytest
import torch

from qnas.gates import get_gate
from qnas.ir import Circuit, Op
from qnas.noise import CHANNELS, kraus_operators, op_kraus, pauli_probabilities


def superop(kraus) -> np.ndarray:
    """Column-stacking superoperator (Qiskit's SuperOp convention)."""
    k = np.asarray(kraus)
    return sum(np.kron(m.conj(), m) for m in k)


def reverse_qubits(s: np.ndarray, n: int) -> np.ndarray:
    """Textbook (first wire = MSB) superop -> Qiskit little-endian superop."""
    d = 2**n
    perm = np.array([int(format(i, f"0{n}b")[::-1], 2) for i in range(d)])
    P = np.eye(d)[perm]
    PP = np.kron(P, P)
    return PP @ s @ PP.T


def random_params(name, batch, gen):
    u = torch.rand(batch, 4, generator=gen, dtype=torch.float64)
    if name == "depolarizing":
        return u[:, :1] * 15 / 16
    if name == "pauli_channel":
        return u[:, :3] / 3
    if name == "thermal_relaxation":
        t1 = 20e-6 + 100e-6 * u[:, 0]
        t2 = t1 * 2 * u[:, 1] + 1e-9
        return torch.stack([t1, t2, 5e-6 * u[:, 2], u[:, 3]], -1)
    return u[:, :1]


@pytest.mark.parametrize("name", CHANNELS)
@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_kraus_complete(name, dtype):
    gen = torch.Generator().manual_seed(1)
    for n in ([1, 2, 3] if name == "depolarizing" else [1]):
        params = random_params(name, 7, gen)
        k = kraus_operators(name, params, n, dtype)
        assert k.dtype == dtype and k.shape[0] == 7 and k.shape[-1] == 2**n
        total = (k.mH @ k).sum(-3)
        eye = torch.eye(2**n, dtype=dtype).expand_as(total)
        tol = 1e-5 if dtype == torch.complex64 else 1e-12
        assert torch.allclose(total, eye, atol=tol), name


def test_registry_and_ir():
    for name in CHANNELS:
        g = get_gate(name)
        assert g.kraus and not g.qasm
    c = Circuit(3, [Op("h", (0,)), Op("depolarizing", (0, 2), (0.05,)),
                    Op("thermal_relaxation", (1,), (5e-5, 7e-5, 1e-7, 0.0))])
    assert Circuit.from_text(c.to_text()) == c
    with pytest.raises(ValueError, match="takes 4 parameter"):
        Circuit(1, [Op("thermal_relaxation", (0,), (1.0, 1.0))])
    with pytest.raises(ValueError, match="acts on 1 wire"):
        Circuit(2, [Op("bit_flip", (0, 1), (0.1,))])


@pytest.mark.parametrize("bad", [
    ("depolarizing", [1.4], 1, "depolarizing parameter"),
    ("depolarizing", [0.1], 4, "1..3 wires"),
    ("bit_flip", [-0.1], 1, "probabilities"),
    ("pauli_channel", [0.5, 0.4, 0.3], 1, "sum <= 1"),
    ("thermal_relaxation", [1e-5, 3e-5, 1e-6, 0.0], 1, "T2 must be <= 2"),
    ("thermal_relaxation", [1e-5, 1e-5, -1.0, 0.0], 1, "time"),
    ("amplitude_damping", [1.5], 1, r"\[0, 1\]"),
])
def test_bad_parameters(bad):
    name, params, n, msg = bad
    with pytest.raises(ValueError, match=msg):
        kraus_operators(name, params, n)
    with pytest.raises(ValueError, match="not a noise channel"):
        kraus_operators("cx", [], 2)


def test_thermal_relaxation_matches_aer():
    from qiskit.quantum_info import SuperOp
    from qiskit_aer.noise import thermal_relaxation_error

    cases = [(50e-6, 30e-6, 1e-6, 0.0),     # T2 < T1: Aer's reset mixture
             (50e-6, 90e-6, 2e-6, 0.0),     # T1 < T2 <= 2 T1: Aer's Kraus/Choi branch
             (50e-6, 100e-6, 3e-6, 0.1),    # T2 = 2 T1 with excited population
             (40e-6, 40e-6, 0.0, 0.3),      # zero time: identity
             (1e-6, 1.5e-6, 5e-5, 0.2)]     # long time: almost thermal state
    for t1, t2, t, pe in cases:
        ours = superop(op_kraus(Op("thermal_relaxation", (0,), (t1, t2, t, pe))).numpy())
        aer = SuperOp(thermal_relaxation_error(t1, t2, t, pe)).data
        assert np.allclose(ours, aer, atol=1e-12), (t1, t2, t, pe)


def test_standard_channels_match_aer():
    from qiskit.quantum_info import SuperOp
    from qiskit_aer.noise import (
        amplitude_damping_error,
        depolarizing_error,
        pauli_error,
        phase_damping_error,
    )

    pairs = [
        (Op("depolarizing", (0,), (0.3,)), depolarizing_error(0.3, 1)),
        (Op("depolarizing", (0, 1), (0.2,)), depolarizing_error(0.2, 2)),
        (Op("amplitude_damping", (0,), (0.3,)), amplitude_damping_error(0.3)),
        (Op("phase_damping", (0,), (0.4,)), phase_damping_error(0.4)),
        (Op("pauli_channel", (0,), (0.1, 0.2, 0.05)),
         pauli_error([("I", 0.65), ("X", 0.1), ("Y", 0.2), ("Z", 0.05)])),
        (Op("bit_flip", (0,), (0.1,)), pauli_error([("I", 0.9), ("X", 0.1)])),
        (Op("phase_flip", (0,), (0.1,)), pauli_error([("I", 0.9), ("Z", 0.1)])),
    ]
    for op, err in pairs:
        n = len(op.wires)
        ours = reverse_qubits(superop(op_kraus(op).numpy()), n)
        assert np.allclose(ours, SuperOp(err).data, atol=1e-12), op.gate


def test_pauli_probabilities():
    labels, p = pauli_probabilities(Op("depolarizing", (4, 1), (0.16,)))
    assert labels[0] == "II" and len(labels) == 16 and labels[1] == "IX"
    assert p[0].item() == pytest.approx(1 - 0.16 * 15 / 16) and p[5].item() == pytest.approx(0.01)
    assert p.sum().item() == pytest.approx(1.0)
    labels, p = pauli_probabilities(Op("phase_flip", (0,), (0.2,)))
    assert labels == ("I", "Z") and p.tolist() == pytest.approx([0.8, 0.2])
    # the probabilities reproduce the channel: sum_k p_k P rho P == Kraus action
    op = Op("pauli_channel", (0,), (0.1, 0.2, 0.05))
    labels, p = pauli_probabilities(op)
    paulis = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]),
              "Y": np.array([[0, -1j], [1j, 0]]), "Z": np.diag([1, -1])}
    mixed = sum(pk * np.kron(paulis[lab].conj(), paulis[lab])
                for lab, pk in zip(labels, p.numpy(), strict=True))
    assert np.allclose(mixed, superop(op_kraus(op).numpy()))
    with pytest.raises(ValueError, match="not a Pauli channel"):
        pauli_probabilities(Op("amplitude_damping", (0,), (0.1,)))
