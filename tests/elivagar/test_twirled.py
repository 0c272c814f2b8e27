"""CNR without a density matrix: Clifford replicas under Pauli-twirled noise equal the exact
density matrix run with the same twirled noise, at 4 qubits and beyond oneshot's 6."""

import math

import numpy as np
import pytest
import torch

from qnas.devices import Target
from qnas.elivagar.candidates import device_candidate
from qnas.elivagar.cnr import batch_tvds, cnr, physical_device_circuit
from qnas.elivagar.twirled import (
    NotClifford,
    clifford_tables,
    twirled_noisy_probabilities,
    twirled_tvds,
    walsh,
)
from qnas.ir import Circuit, Op, param
from qnas.noise import apply_readout_error


def _angles(c, rows, rng):
    k = rng.integers(4, size=(rows, len(c.parameters) + len(c.inputs)))
    a = torch.tensor(k * (math.pi / 2), dtype=torch.float64)
    return (a[:, : len(c.parameters)] if c.parameters else None,
            a[:, len(c.parameters):] if c.inputs else None)


def _exact(dc, p, x, scale=1.0):
    """The density matrix with the twirled noise model, readout error as in CNR."""
    from qnas.sim import simulate

    model = dc.compiled.noise_model(scale, twirl_relaxation=True)
    rho = simulate(model.apply(dc.circuit), p, x, torch.complex128, method="density")
    probs = torch.diagonal(rho, dim1=-2, dim2=-1).real
    probs = dc.compiled.logical_probabilities(probs)
    return apply_readout_error(probs, dc.readout_matrices(scale, probs.dtype))


@pytest.mark.parametrize("device, qubits, seed", [("lagos", 4, 0), ("quito", 5, 1),
                                                  ("lagos", 7, 2)])
def test_equals_the_density_matrix_with_twirled_noise(device, qubits, seed):
    t = Target.from_backend(device)
    rng = np.random.default_rng(seed)
    cand = device_candidate(t, qubits, 3 * qubits, rng)
    dc = physical_device_circuit(cand.circuit, t, cand.layout)
    p, x = _angles(dc.circuit, 3, rng)
    clean, noisy = twirled_noisy_probabilities(dc, p, x)
    assert noisy.shape == (3, 2**qubits)
    assert torch.allclose(noisy, _exact(dc, p, x), atol=1e-10)
    assert torch.allclose(noisy.sum(-1), torch.ones(3, dtype=noisy.dtype), atol=1e-12)
    assert torch.allclose(clean, _exact(dc, p, x, scale=0.0), atol=1e-10)


def test_close_to_the_untwirled_noise_and_zero_without_noise():
    t = Target.from_backend("lagos")
    cand = device_candidate(t, 4, 12, np.random.default_rng(3))
    dc = physical_device_circuit(cand.circuit, t, cand.layout)
    exact = cnr(dc, 8, np.random.default_rng(0), mode="angles", method="density")
    pauli = cnr(dc, 8, np.random.default_rng(0), mode="angles", method="pauli")
    assert pauli != exact and abs(pauli - exact) < 0.02  # relaxation's decay left out
    assert cnr(dc, 8, np.random.default_rng(0), scale=0.0, method="pauli") == \
        pytest.approx(1.0, abs=1e-12)


def test_auto_uses_the_pauli_path_above_oneshot_size(monkeypatch):
    from qnas.sim import oneshot

    t = Target.from_backend("lagos")
    cand = device_candidate(t, 3, 9, np.random.default_rng(4))
    dc = physical_device_circuit(cand.circuit, t, cand.layout)
    p, x = _angles(dc.circuit, 2, np.random.default_rng(5))
    monkeypatch.setattr(oneshot, "MAX_QUBITS", 2)
    assert batch_tvds(dc, p, x) == twirled_tvds(dc, p, x)
    assert batch_tvds(dc, p, x, method="density") != twirled_tvds(dc, p, x)


def test_non_clifford_angles_fall_back_or_raise():
    c = Circuit(2, [Op("sx", (0,)), Op("rz", (0,), (param("a"),)), Op("cx", (0, 1))])
    dc = physical_device_circuit(c, "santiago", (1, 2))
    a = torch.tensor([[0.3]], dtype=torch.float64)
    with pytest.raises(NotClifford, match="not Clifford"):
        twirled_tvds(dc, a)
    with pytest.raises(NotClifford):
        batch_tvds(dc, a, None, method="pauli")
    assert batch_tvds(dc, a, None, method="auto") == batch_tvds(dc, a, None, method="density")
    with pytest.raises(ValueError, match="did you mean pauli"):
        cnr(dc, 2, method="paul")


def test_tables_and_walsh():
    s = torch.tensor([[1, 0], [0, 1j]], dtype=torch.complex128)
    cx = torch.tensor([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]],
                      dtype=torch.complex128)
    assert clifford_tables(s).astype(int).tolist() == [[1, 1], [0, 1]]  # S X S^dag = Y
    # CX (wire 0 controls): X_c -> X_c X_t, Z_c -> Z_c, X_t -> X_t, Z_t -> Z_c Z_t
    assert clifford_tables(cx).astype(int).tolist() == [[1, 0, 1, 0], [0, 1, 0, 0],
                                                        [0, 0, 1, 0], [0, 1, 0, 1]]
    x = np.random.default_rng(0).random((3, 8))
    assert np.allclose(walsh(walsh(x)) / 8, x)
    h = np.array([[(-1) ** bin(s & b).count("1") for b in range(8)] for s in range(8)])
    assert np.allclose(walsh(x), x @ h.T)
