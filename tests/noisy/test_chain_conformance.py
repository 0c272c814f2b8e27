"""Conformance of the noisy chain: one compiled circuit, every method, readout included.

The circuit (3 logical qubits, parameters and inputs, an entangler that forces routing) is
compiled once onto lima and evaluated by

* ``density``: exact; must match Qiskit Aer's density-matrix simulator with
  ``NoiseModel.from_backend`` and Aer's readout matrices to 1e-6 (complex128);
* ``trajectories``: 4000 seeded trajectories per row; sampling error per probability is at
  most sqrt(0.25 / 4000) = 0.008, so it must agree with the density matrix within 0.02;
* ``gate_insertion``: the mean of 4000 seeded Pauli-insertion runs per row. Gate insertion
  samples the Pauli twirl of thermal relaxation (amplitude damping becomes X/Y/Z flips), so
  its mean converges to the density matrix of the *twirled* noise model
  (``NoiseModel(twirl_relaxation=True)``): within 0.02 of that (sampling), and within 0.05
  of the exact density matrix (the twirl changes populations at first order in T1 decay;
  here by about 0.03).

The noise and the readout error are both larger than these tolerances, so the checks bite.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qnas.ir import Circuit, Op, inp, param
from qnas.noise import NoiseModel, apply_readout_error
from qnas.noisy import DeviceCircuit
from qnas.sim import expz, probabilities, simulate

pytest.importorskip("qiskit_aer")

C128 = torch.complex128
DEVICE, LAYOUT = "lima", [4, 3, 1]
SAMPLES = 4000
TOL_SAMPLED = 0.02  # probabilities, trajectories or gate insertion vs their exact reference
TOL_TWIRL = 0.05  # gate insertion (twirled relaxation) vs the exact density matrix


def _circuit() -> Circuit:
    return Circuit(3, [
        Op("ry", (0,), (inp("x0"),)), Op("ry", (1,), (inp("x1"),)), Op("rx", (2,), (param("a"),)),
        Op("cx", (0, 1)), Op("crx", (1, 2), (param("b"),)), Op("cx", (2, 0)),
        Op("ry", (1,), (param("c"),)), Op("cx", (0, 1)), Op("rz", (2,), (inp("x1"),)),
        Op("h", (2,)),
    ])


P = torch.tensor([0.7, 1.9, -0.6], dtype=torch.float64)
X = torch.tensor([[0.4, 1.1], [2.2, -0.3]], dtype=torch.float64)


@pytest.fixture(scope="module")
def dc() -> DeviceCircuit:
    return DeviceCircuit.compile(_circuit(), DEVICE, LAYOUT)


def aer_probabilities(dc: DeviceCircuit) -> np.ndarray:
    """Aer density matrix of the same compiled circuit, device noise, Aer's readout error."""
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel as AerNoise

    from qnas.backends.aer_eval import fake_backend

    cc = dc.compiled
    nm = AerNoise.from_backend(fake_backend(DEVICE))
    sim = AerSimulator(method="density_matrix", noise_model=nm)
    names = cc.circuit.parameters + cc.circuit.inputs
    out = []
    for x in X:
        values = dict(zip(names, P.tolist() + x.tolist()))
        qc = cc.physical_circuit.bind(values).to_qiskit()
        qc.save_probabilities(list(cc.final_layout))  # logical qubit j -> bit j
        p = np.asarray(sim.run(qc, shots=1).result().data(0)["probabilities"])
        n = cc.n_logical
        t = p.reshape((2,) * n)
        for j, q in enumerate(cc.final_layout):  # Aer's P(measured | true) on logical bit j
            r = nm._local_readout_errors[(q,)].probabilities
            t = np.moveaxis(np.tensordot(t, r, axes=([n - 1 - j], [0])), -1, n - 1 - j)
        out.append(t.reshape(-1))
    return np.stack(out)


def twirled_density(dc: DeviceCircuit) -> torch.Tensor:
    model = NoiseModel.from_target(dc.compiled.compact_target, twirl_relaxation=True)
    rho = simulate(model.apply(dc.circuit), P, X, C128, method="density")
    probs = dc.compiled.logical_probabilities(probabilities(rho))
    return apply_readout_error(probs, dc.readout_matrices(1.0, probs.dtype))


def gate_insertion_mean(dc: DeviceCircuit, what: str) -> torch.Tensor:
    rows = X.repeat_interleave(SAMPLES, 0)
    fn = dc.probabilities if what == "probabilities" else dc.expz
    out = fn(P, rows, method="gate_insertion", seed=2)
    return out.reshape(len(X), SAMPLES, -1).mean(1).double()


def test_compiled_circuit_is_routed(dc):
    assert dc.compiled.initial_layout == tuple(LAYOUT)
    assert dc.compiled.final_layout != dc.compiled.initial_layout  # a SWAP was inserted


def test_density_matches_aer_with_readout(dc):
    ours = dc.probabilities(P, X, dtype=C128)
    ref = aer_probabilities(dc)
    assert np.abs(ours.numpy() - ref).max() < 1e-6
    # the checks below are meaningful: gate noise and readout error both exceed them
    clean = dc.probabilities(P, X, method="statevector", readout_error=False, dtype=C128)
    no_readout = dc.probabilities(P, X, readout_error=False, dtype=C128)
    assert (clean - ours).abs().max() > 3 * TOL_SAMPLED
    assert (no_readout - ours).abs().max() > TOL_SAMPLED
    # <Z> straight from the chain equals <Z> of its logical probabilities
    z = dc.expz(P, X, dtype=C128)
    assert torch.allclose(z, expz(ours, 3), atol=1e-10)


def test_trajectories_match_density(dc):
    exact = dc.probabilities(P, X, dtype=C128)
    traj = dc.probabilities(P, X, method="trajectories", trajectories=SAMPLES, seed=1)
    assert (traj.double() - exact).abs().max() < TOL_SAMPLED
    z = dc.expz(P, X, method="trajectories", trajectories=SAMPLES, seed=1)
    assert (z.double() - dc.expz(P, X, dtype=C128)).abs().max() < 2 * TOL_SAMPLED


def test_gate_insertion_mean_matches_twirled_density(dc):
    exact = dc.probabilities(P, X, dtype=C128)
    twirled = twirled_density(dc)
    gi = gate_insertion_mean(dc, "probabilities")
    assert (gi - twirled).abs().max() < TOL_SAMPLED
    assert (gi - exact).abs().max() < TOL_TWIRL
    assert (twirled - exact).abs().max() < TOL_TWIRL
    z_gi = gate_insertion_mean(dc, "expz")
    assert (z_gi - expz(twirled, 3)).abs().max() < 2 * TOL_SAMPLED
