"""Energies measured group by group: exact without noise, consistent with Qiskit Aer with it."""

import numpy as np
import pytest
import torch

import qnas
from qnas.spaces import SuperCircuit
from qnas.tasks.energy import (
    energy_from_probabilities,
    measurement_groups,
    noiseless_energy,
    noisy_energy,
    rotated,
)
from qnas.tasks.vqe_tasks import VQE_TASKS, get_vqe_task

pytest.importorskip("pyscf")


def _ansatz(n, seed=0):
    sc = SuperCircuit("u3cu3", n, 2, seed=seed)
    ansatz, index = sc.subcircuit(sc.full_spec())
    return ansatz, sc.weights[index].detach().double()


def test_groups_cover_terms_and_commute_qubitwise():
    h = VQE_TASKS["vqe_lih"].hamiltonian()
    groups, const = measurement_groups(h.terms)
    flat = sorted(t for _, m in groups for t, _ in m)
    assert flat == sorted(t for t, _ in h.terms if set(t) != {"I"})
    for basis, members in groups:
        for label, _ in members:
            assert all(c in ("I", b) for c, b in zip(label, basis))
    assert len(groups) < len(h.terms) - 1


def test_grouped_measurement_equals_expval():
    h = VQE_TASKS["vqe_h2"].hamiltonian()
    ansatz, p = _ansatz(h.n_qubits)
    groups, const = measurement_groups(h.terms)
    probs = [qnas.probabilities(qnas.simulate(rotated(ansatz, b), p, dtype=torch.complex128))[0]
             for b, _ in groups]
    got = energy_from_probabilities(probs, groups, const, h.n_qubits)
    want = noiseless_energy(ansatz, p, h.terms, torch.complex128)
    assert abs(float(got) - float(want)) < 1e-10


def test_noisy_energy_matches_aer_within_shot_noise():
    pytest.importorskip("qiskit_aer")
    from qnas.backends.aer_eval import aer_energy

    h = VQE_TASKS["vqe_h2"].hamiltonian()
    ansatz, p = _ansatz(h.n_qubits, seed=3)
    values = dict(zip(ansatz.parameters, p.tolist()))
    layout = [1, 2, 3, 4]
    ours = float(noisy_energy(ansatz, p, h.terms, qnas.Target.from_backend("santiago"), layout))
    clean = float(noiseless_energy(ansatz, p, h.terms, torch.complex128))
    shots = 20000
    aer = aer_energy(ansatz, values, h.terms, "santiago", layout, shots=shots, seed=1)
    aer_clean = aer_energy(ansatz, values, h.terms, "santiago", layout, shots=shots, seed=1,
                           noise=False)
    # Standard error of the grouped estimator: sum of |c| over non-identity terms / sqrt(shots).
    sigma = sum(abs(c) for t, c in h.terms if set(t) != {"I"}) / np.sqrt(shots)
    assert abs(aer - ours) < 4 * sigma
    assert abs(aer_clean - clean) < 4 * sigma
    assert abs(ours - clean) > 4 * sigma  # the device noise is visible at this precision


def test_unknown_vqe_task():
    with pytest.raises(ValueError, match="vqe_h2"):
        get_vqe_task("vqe_h3")
