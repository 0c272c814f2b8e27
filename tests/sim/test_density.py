"""Density-matrix simulation: exactness, Aer cross-checks on real device noise, gradients."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import qnas
from qnas.compile import compile as qcompile
from qnas.ir import Circuit, Op, inp, param
from qnas.noise import NoiseModel
from qnas.noisy import DeviceCircuit
from qnas.sim.density import simulate_density

sys.path.insert(0, str(Path(__file__).parent))
from helpers import random_gate_wires  # noqa: E402

C128 = torch.complex128
GATES_1Q = ("h", "x", "sx", "t", "rx", "ry", "rz", "u3")
GATES_2Q = ("cx", "cz", "cu3", "swap", "crx", "rzz")


def random_circuit(n: int, depth: int, seed: int) -> Circuit:
    rng = np.random.default_rng(seed)
    ops = []
    for _ in range(depth):
        g, wires = random_gate_wires(n, rng, GATES_1Q, GATES_2Q, 0.4)
        k = qnas.gates.get_gate(g).num_params
        ops.append(Op(g, wires, tuple(float(v) for v in rng.uniform(-math.pi, math.pi, k))))
    return Circuit(n, ops)


def aer_probabilities(cc, device: str) -> np.ndarray:
    """Aer density-matrix probabilities (exact, no readout) of the logical qubits."""
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel as AerNoise

    from qnas.backends.aer_eval import fake_backend

    qc = cc.physical_circuit.to_qiskit()
    qc.save_probabilities(list(cc.final_layout))
    sim = AerSimulator(method="density_matrix",
                       noise_model=AerNoise.from_backend(fake_backend(device)))
    return np.asarray(sim.run(qc, shots=1).result().data(0)["probabilities"])


CASES = [("santiago", 2, [3, 4], 0), ("santiago", 4, [1, 0, 2, 3], 1), ("lima", 3, [2, 1, 3], 2),
         ("lima", 5, None, 3), ("toronto", 3, [12, 15, 13], 4), ("toronto", 4, [5, 8, 11, 3], 5)]


@pytest.mark.parametrize("device,n,layout,seed", CASES)
def test_density_matches_aer(device, n, layout, seed):
    c = random_circuit(n, 14, seed)
    cc = qcompile(c, device, layout=layout, seed=seed)
    ours = DeviceCircuit(cc).probabilities(dtype=C128, readout_error=False)[0].numpy()
    ref = aer_probabilities(cc, device)
    tvd = 0.5 * np.abs(ours - ref).sum()
    assert tvd < 1e-6, tvd
    # the noise really matters here: noiseless probabilities differ
    clean = DeviceCircuit(cc).probabilities(method="statevector", readout_error=False,
                                            dtype=C128)[0].numpy()
    assert 0.5 * np.abs(clean - ref).sum() > 1e-3


@pytest.mark.parametrize("device", ["lima", "toronto"])
def test_readout_matrices_match_aer(device):
    from qiskit_aer.noise import NoiseModel as AerNoise

    from qnas.backends.aer_eval import fake_backend

    aer = AerNoise.from_backend(fake_backend(device))._local_readout_errors
    model = NoiseModel.from_target(qnas.Target.from_backend(device))
    for q in range(model.target.n_qubits):
        ours = model.readout_matrices([q])[0].numpy()  # A[measured, true]
        np.testing.assert_allclose(ours.T, aer[(q,)].probabilities, atol=1e-12)


def test_readout_included_against_aer_shots():
    """Full pipeline incl. readout vs Aer with measurements (many shots, 5-sigma bound)."""
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel as AerNoise

    from qnas.backends.aer_eval import fake_backend

    c = random_circuit(3, 10, 7)
    cc = qcompile(c, "lima", layout=[0, 1, 2])
    ours = DeviceCircuit(cc).probabilities(dtype=C128)[0].numpy()
    qc = cc.physical_circuit.to_qiskit()
    from qiskit import ClassicalRegister

    cr = ClassicalRegister(3)
    qc.add_register(cr)
    for j, q in enumerate(cc.final_layout):
        qc.measure(q, cr[j])
    shots = 40000
    sim = AerSimulator(method="density_matrix", seed_simulator=3,
                       noise_model=AerNoise.from_backend(fake_backend("lima")))
    counts = sim.run(qc, shots=shots).result().get_counts()
    freq = np.zeros(8)
    for k, v in counts.items():
        freq[int(k, 2)] = v / shots
    sigma = np.sqrt(ours * (1 - ours) / shots) + 1e-4
    assert np.all(np.abs(freq - ours) < 5 * sigma)
    without = DeviceCircuit(cc).probabilities(dtype=C128, readout_error=False)[0].numpy()
    assert np.abs(without - ours).max() > 5 * sigma.max()  # readout error is resolvable


def test_density_equals_statevector_without_noise():
    c = Circuit(3, [Op("ry", (0,), (inp("a"),)), Op("cu3", (0, 2), (param("p"), 0.3, param("q"))),
                    Op("rzz", (2, 1), (param("p"),)), Op("swap", (0, 1))])
    p, x = torch.rand(2, dtype=torch.float64), torch.rand(4, 1, dtype=torch.float64)
    sv = qnas.simulate(c, p, x, C128)
    for fuse in (False, 2, 3):
        rho = simulate_density(c, p, x, C128, fuse=fuse)
        assert torch.allclose(rho, sv[:, :, None] * sv.conj()[:, None, :], atol=1e-12)


def test_channels_exact_single_qubit():
    c = Circuit(1, [Op("x", (0,)), Op("amplitude_damping", (0,), (0.3,)),
                    Op("depolarizing", (0,), (0.2,))])
    rho = simulate_density(c, dtype=C128)[0]
    p1 = 0.7 * 0.9 + 0.3 * 0.1  # damping, then depolarizing mixes 20% to I/2
    assert abs(rho[1, 1].real - p1) < 1e-12 and abs(rho.trace() - 1) < 1e-12


def test_density_gradients_match_finite_differences():
    nm = NoiseModel.from_target(qnas.Target.from_backend("santiago"))
    c = Circuit(2, [Op("rz", (0,), (inp("x"),)), Op("sx", (0,)), Op("rz", (0,), (param("a"),)),
                    Op("cx", (0, 1)), Op("sx", (1,)), Op("rz", (1,), (2.0 * param("b") + 0.1,))])
    noisy = nm.apply(c)
    obs = qnas.PauliSum([("ZI", 1.0), ("XX", 0.5), ("YZ", -0.3)])

    def f(p, x):
        return obs.expectation_density(simulate_density(noisy, p, x, C128)).sum()

    p = torch.tensor([0.4, -0.7], dtype=torch.float64, requires_grad=True)
    x = torch.tensor([[0.3], [1.1]], dtype=torch.float64, requires_grad=True)
    gp, gx = torch.autograd.grad(f(p, x), (p, x))
    eps = 1e-6
    for i in range(2):
        d = torch.zeros(2, dtype=torch.float64)
        d[i] = eps
        fd = (f(p.detach() + d, x.detach()) - f(p.detach() - d, x.detach())) / (2 * eps)
        assert abs(fd - gp[i]) < 1e-7
    for i in range(2):
        d = torch.zeros(2, 1, dtype=torch.float64)
        d[i, 0] = eps
        fd = (f(p.detach(), x.detach() + d) - f(p.detach(), x.detach() - d)) / (2 * eps)
        assert abs(fd - gx[i, 0]) < 1e-7


def test_expval_and_noisy_expz_with_target():
    c = Circuit(2, [Op("sx", (0,)), Op("cx", (0, 1)), Op("rz", (1,), (param("a"),))])
    p = torch.tensor([0.3])
    t = qnas.Target.from_backend("santiago")
    z = qnas.expval(c, [qnas.PauliSum.z(0, 2), qnas.PauliSum.z(1, 2)], p, target=t,
                    method="density", dtype=C128)
    dc = DeviceCircuit.from_physical(c, t)
    zr = dc.expz(p, None, dtype=C128)
    probs = dc.probabilities(p, None, dtype=C128, readout_error=False)
    assert torch.allclose(z, qnas.expz(probs, 2), atol=1e-12)
    # readout shrinks <Z> towards the readout bias: (1 - p10 - p01) z + (p01 - p10)
    ro = t.readout_error
    want = torch.stack([(1 - sum(ro[q])) * z[:, q] + ro[q][1] - ro[q][0] for q in (0, 1)], -1)
    assert torch.allclose(zr, want, atol=1e-12)


def test_json_target_reproduces_without_qiskit(tmp_path):
    t = qnas.Target.from_backend("lima")
    path = t.to_json(tmp_path / "lima.json")
    c = Circuit(2, [Op("sx", (0,)), Op("cx", (0, 1)), Op("rz", (1,), (0.7,)), Op("sx", (1,))])
    ref = DeviceCircuit.from_physical(c, t).probabilities(dtype=C128)[0]
    code = (
        "import sys; sys.modules['qiskit'] = None; sys.modules['qiskit_aer'] = None\n"
        "import torch, qnas\nfrom qnas.ir import Circuit\nfrom qnas.noisy import "
        "DeviceCircuit\n"
        f"t = qnas.Target.from_json({str(path)!r})\nc = Circuit.from_text({c.to_text()!r})\n"
        "p = DeviceCircuit.from_physical(c, t).probabilities(dtype=torch.complex128)[0]\n"
        "print(','.join(repr(float(v)) for v in p))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    got = torch.tensor([float(v) for v in out.stdout.strip().split(",")], dtype=torch.float64)
    assert torch.allclose(got, ref, atol=1e-14)


def _physical_probabilities(circuit, target, method="density"):
    return DeviceCircuit.from_physical(circuit, target).probabilities(method=method)


def test_noisy_errors():
    t = qnas.Target.from_backend("santiago")
    with pytest.raises(ValueError, match="not in the basis"):
        _physical_probabilities(Circuit(1, [Op("h", (0,))]), t)
    with pytest.raises(ValueError, match="not available"):
        _physical_probabilities(Circuit(3, [Op("cx", (0, 2))]), t)
    with pytest.raises(ValueError, match="unknown noisy method"):
        _physical_probabilities(Circuit(1, [Op("x", (0,))]), t, method="exact")
    with pytest.raises(ValueError, match="did you mean"):
        _physical_probabilities(Circuit(1, [Op("x", (0,))]), "santiagoo")
    with pytest.raises(ValueError, match="6 qubits"):
        _physical_probabilities(Circuit(6, [Op("x", (0,))]), t)
