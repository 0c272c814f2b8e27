"""``method=None``: density up to 8 logical qubits or 11 simulated wires, else seeded gate
insertion (up to 16 patterns per input); the settings in ``qnas.noisy.DEFAULTS`` can be changed;
trajectories' fused runs."""

from __future__ import annotations

import pytest
import torch

import qnas
from qnas.ir import Circuit, Op, inp, param
from qnas.noise import NoiseModel
from qnas.noisy import DEFAULTS, DeviceCircuit, MethodDefaults, device_expz
from qnas.sim.density import simulate_density
from qnas.sim.trajectories import simulate_trajectories

EDGES = ((0, 1), (1, 2), (2, 3), (3, 5), (5, 8), (1, 4), (4, 7), (7, 6))  # toronto, qubits 0..8


def nine_qubits() -> Circuit:
    ops = []
    for w in range(9):
        ops += [Op("sx", (w,)), Op("rz", (w,), (inp(f"x{w % 3}"),)), Op("sx", (w,))]
    for a, b in EDGES:
        ops += [Op("cx", (a, b)), Op("rz", (b,), (param("t"),)), Op("sx", (b,))]
    return Circuit(9, ops)


@pytest.fixture
def dc() -> DeviceCircuit:
    return DeviceCircuit.from_physical(nine_qubits(), "toronto")


def test_method_for_sizes():
    d = MethodDefaults()
    assert d.method_for(4, 12) == "density"  # small logical circuits: exact, as before
    assert d.method_for(10, 11) == "density"
    assert d.method_for(10, 12) == "gate_insertion"
    with pytest.raises(ValueError, match="unknown noisy method"):
        MethodDefaults(large_method="exact").method_for(10, 20)


def test_default_is_density_below_the_width_limit(dc):
    x, p = torch.rand(5, 3, dtype=torch.float64), torch.tensor([0.4], dtype=torch.float64)
    assert dc.default_method() == "density"
    z = dc.expz(p, x, dtype=torch.complex128)
    assert torch.allclose(z, dc.expz(p, x, method="density", dtype=torch.complex128))


def test_default_switches_to_seeded_gate_insertion(dc, monkeypatch):
    x, p = torch.rand(6, 3), torch.tensor([0.4])
    monkeypatch.setattr(DEFAULTS, "density_max_qubits", 8)
    monkeypatch.setattr(DEFAULTS, "samples", 1)
    assert dc.default_method() == "gate_insertion"
    z1, z2 = dc.expz(p, x), dc.expz(p, x)
    assert torch.equal(z1, z2)  # seeded with DEFAULTS.seed: the same draws every call
    want = dc.expz(p, x, method="gate_insertion", seed=DEFAULTS.seed)
    assert torch.equal(z1, want)
    monkeypatch.setattr(DEFAULTS, "samples", 3)
    z3 = dc.expz(p, x)
    rep = dc.expz(p, x.repeat_interleave(3, 0), method="gate_insertion", seed=DEFAULTS.seed,
                  readout_error=False)
    ro = dc.readout_matrices()
    from qnas.noise import expz_with_readout

    assert (z3 - expz_with_readout(rep.reshape(6, 3, 9).mean(1), ro)).abs().max() < 1e-5
    assert z3.abs().max() > 0.1
    assert dc.probabilities(p, x[:2]).shape == (2, 2**9)
    monkeypatch.setattr(DEFAULTS, "large_method", "trajectories")
    zt = dc.expz(p, x[:2])
    assert torch.equal(zt, dc.expz(p, x[:2]))  # seeded
    assert torch.equal(zt, dc.expz(p, x[:2], method="trajectories", trajectories=3,
                                   seed=DEFAULTS.seed))


def test_device_expz_keeps_explicit_methods():
    c = Circuit(2, [Op("ry", (0,), (inp("x"),)), Op("cx", (0, 1)), Op("rz", (1,), (param("a"),))])
    a, x = torch.tensor([0.5]), torch.tensor([[0.3], [1.2]])
    z = device_expz(c, a, x, "santiago", [3, 4])
    assert torch.allclose(z, device_expz(c, a, x, "santiago", [3, 4], method="density"))
    clean = device_expz(c, a, x, "santiago", [3, 4], method="statevector", readout_error=False)
    assert not torch.allclose(z, clean)


def test_trajectories_fused_runs_and_sparse_errors():
    """Gate runs between channels are fused and rare Pauli errors applied to their rows only:
    the mean still converges to the density matrix (2-wire depolarizing included)."""
    nm = NoiseModel.from_target(qnas.Target.from_backend("lima"), scale=3.0)
    c = nm.apply(Circuit(3, [Op("rz", (0,), (inp("x"),)), Op("sx", (0,)), Op("rz", (0,), (0.3,)),
                             Op("sx", (1,)), Op("cx", (0, 1)), Op("rz", (1,), (param("a"),)),
                             Op("sx", (1,)), Op("cx", (1, 2)), Op("sx", (2,)),
                             Op("cx", (0, 1))]))
    c = Circuit(3, c.ops + (Op("depolarizing", (2, 0), (0.01,)),), c.parameters, c.inputs)
    p, x = torch.tensor([0.4], dtype=torch.float64), torch.tensor([[0.2], [1.3]],
                                                                  dtype=torch.float64)
    t = 4000
    traj = simulate_trajectories(c, p, x, torch.complex128, trajectories=t, seed=3)
    assert torch.allclose(traj.abs().pow(2).sum(-1), torch.ones(2, t, dtype=torch.float64))
    probs = traj.abs().pow(2)
    mean, std = probs.mean(1), probs.std(1) / t**0.5
    exact = qnas.probabilities(simulate_density(c, p, x, torch.complex128))
    assert torch.all((mean - exact).abs() <= 4.5 * std + 1e-9)
    again = simulate_trajectories(c, p, x, torch.complex128, trajectories=t, seed=3)
    assert torch.equal(traj, again)
