"""The chain's density method on many inputs (Heisenberg picture, qnas.sim.superop): equal to
the full density matrices it replaced, to Aer with parameter_binds, and differentiable."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qnas.compile.compiler import marginal
from qnas.ir import Circuit, Op, inp, param
from qnas.noise import apply_readout_error, expz_with_readout
from qnas.noisy import DeviceCircuit
from qnas.sim import expz, probabilities, simulate

C128 = torch.complex128
DEVICE, LAYOUT = "lima", [4, 3, 1]


def _circuit() -> Circuit:
    return Circuit(3, [
        Op("ry", (0,), (inp("x0"),)), Op("rx", (1,), (inp("x1"),)), Op("ry", (2,), (inp("x0"),)),
        Op("u3", (0,), (param("a"), 0.2, param("b"))), Op("cx", (0, 1)),
        Op("cu3", (1, 2), (param("b"), param("c"), 0.3)), Op("cx", (2, 0)),
        Op("ry", (1,), (param("c"),)), Op("cx", (0, 1)), Op("rz", (2,), (param("a"),)),
    ])


P = torch.tensor([0.7, 1.9, -0.6], dtype=torch.float64)
X = torch.rand(24, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 3


@pytest.fixture(scope="module")
def dc() -> DeviceCircuit:
    return DeviceCircuit.compile(_circuit(), DEVICE, LAYOUT)


def full_density_reference(dc: DeviceCircuit, scale: float = 1.0):
    """The previous chain: whole density matrices, then marginals and readout."""
    rho = simulate(dc.noisy_circuit(scale), P, X, C128, method="density")
    compact = probabilities(rho)
    probs = apply_readout_error(dc.compiled.logical_probabilities(compact),
                                dc.readout_matrices(scale, torch.float64))
    z = expz_with_readout(expz(compact, dc.circuit.n_qubits, dc.measured_wires),
                          dc.readout_matrices(scale))
    return probs, z


def test_density_chain_equals_full_density_matrices(dc):
    assert dc.compiled.final_layout != dc.compiled.initial_layout  # routed
    for scale in (1.0, 3.0):
        probs, z = full_density_reference(dc, scale)
        assert torch.allclose(dc.probabilities(P, X, dtype=C128, scale=scale), probs,
                              atol=1e-12)
        assert torch.allclose(dc.expz(P, X, dtype=C128, scale=scale), z, atol=1e-12)
        z32 = dc.expz(P.float(), X.float(), scale=scale)
        assert z32.dtype == torch.float32 and (z32.double() - z).abs().max() < 1e-6
    clean = dc.expz(P, X, method="statevector", dtype=C128)
    assert (clean - z).abs().max() > 0.05  # the noise matters


def test_density_chain_matches_aer_parameter_binds(dc):
    pytest.importorskip("qiskit_aer")
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel as AerNoise

    from qnas.backends.aer_eval import fake_backend

    cc = dc.compiled
    qc = cc.physical_circuit.to_qiskit()
    qc.save_probabilities(list(cc.final_layout))
    values = dict(zip(cc.circuit.parameters, P.tolist()))
    cols = {name: X[:, i].tolist() for i, name in enumerate(cc.circuit.inputs)}
    binds = [{p: cols[p.name] if p.name in cols else [values[p.name]] * len(X)
              for p in qc.parameters}]
    sim = AerSimulator(method="density_matrix",
                       noise_model=AerNoise.from_backend(fake_backend(DEVICE)))
    res = sim.run([qc], parameter_binds=binds, shots=1).result()
    ref = np.stack([np.asarray(res.data(i)["probabilities"]) for i in range(len(X))])
    ours = dc.probabilities(P, X, dtype=C128, readout_error=False)
    assert np.abs(ours.numpy() - ref).max() < 1e-6
    compact = probabilities(simulate(dc.noisy_circuit(), P, X, C128, method="density"))
    assert torch.allclose(marginal(compact, dc.circuit.n_qubits, dc.measured_wires), ours,
                          atol=1e-12)


def test_density_chain_gradients(dc):
    w = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)

    def loss(p, x):
        return (dc.expz(p, x, dtype=C128) * w).sum()

    def reference(p, x):
        rho = simulate(dc.noisy_circuit(), p, x, C128, method="density")
        z = expz(probabilities(rho), dc.circuit.n_qubits, dc.measured_wires)
        return (expz_with_readout(z, dc.readout_matrices()) * w).sum()

    grads = []
    for fn in (loss, reference):
        p = P.clone().requires_grad_(True)
        x = X[:6].clone().requires_grad_(True)
        grads.append(torch.autograd.grad(fn(p, x), (p, x)))
    assert torch.allclose(grads[0][0], grads[1][0], atol=1e-10)
    assert torch.allclose(grads[0][1], grads[1][1], atol=1e-10)
    assert grads[0][0].abs().max() > 1e-3
