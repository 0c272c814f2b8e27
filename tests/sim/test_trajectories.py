"""Trajectories: agree with the density matrix within statistical error; seeded."""

from __future__ import annotations

import pytest
import torch

import qnas
from qnas.compile import compile as qcompile
from qnas.ir import Circuit, Op, inp, param
from qnas.noise import NoiseModel
from qnas.noisy import DeviceCircuit
from qnas.sim.density import simulate_density
from qnas.sim.trajectories import simulate_trajectories

C128 = torch.complex128


def _noisy_circuit():
    t = qnas.Target.from_backend("lima")
    nm = NoiseModel.from_target(t, scale=20.0)  # strong noise: errors are clearly resolved
    c = Circuit(3, [Op("sx", (0,)), Op("rz", (0,), (inp("x"),)), Op("sx", (0,)),
                    Op("cx", (0, 1)), Op("cx", (1, 2)), Op("rz", (2,), (param("a"),)),
                    Op("sx", (2,)), Op("x", (1,))])
    return nm.apply(c)


def test_trajectories_agree_with_density():
    c = _noisy_circuit()
    kinds = {op.gate for op in c.ops}
    assert {"depolarizing", "thermal_relaxation"} <= kinds
    p, x = torch.tensor([0.4]), torch.tensor([[0.2], [1.3]])
    t = 2000
    traj = simulate_trajectories(c, p, x, C128, trajectories=t, seed=5)
    assert traj.shape == (2, t, 8)
    assert torch.allclose(traj.abs().pow(2).sum(-1), torch.ones(2, t, dtype=torch.float64))
    probs_t = traj.abs().pow(2)  # [B, T, N]
    mean, std = probs_t.mean(1), probs_t.std(1) / t**0.5
    exact = qnas.probabilities(simulate_density(c, p, x, C128))
    assert torch.all((mean - exact).abs() <= 4 * std + 1e-9)
    clean = qnas.probabilities(qnas.simulate(
        Circuit(3, [op for op in c.ops if not qnas.gates.get_gate(op.gate).kraus]), p, x, C128))
    assert (clean - exact).abs().max() > 10 * std.max()  # the noise is resolved


def test_trajectories_seeded_and_reproducible():
    c = _noisy_circuit()
    p, x = torch.tensor([0.4]), torch.tensor([[0.2]])
    a = simulate_trajectories(c, p, x, trajectories=64, seed=11)
    b = simulate_trajectories(c, p, x, trajectories=64, seed=11)
    d = simulate_trajectories(c, p, x, trajectories=64, seed=12)
    assert torch.equal(a, b) and not torch.equal(a, d)


def test_pauli_channel_sampling_rate():
    c = Circuit(1, [Op("bit_flip", (0,), (0.3,))])
    s = simulate_trajectories(c, trajectories=4000, seed=0, dtype=C128)
    frac = s.abs().pow(2)[0, :, 1].mean().item()
    assert abs(frac - 0.3) < 4 * (0.3 * 0.7 / 4000) ** 0.5


def test_expval_trajectories_square_shape_unambiguous():
    """T == N: expval must average trajectories, not read them as a density matrix."""
    c = Circuit(2, [Op("sx", (0,)), Op("cx", (0, 1))])
    t = qnas.Target.from_backend("santiago")
    obs = qnas.PauliSum.z(0, 2)
    z_t = qnas.expval(c, obs, target=t, method="trajectories", trajectories=4, seed=0,
                      dtype=C128)
    st = qnas.simulate(c, target=t, method="trajectories", trajectories=4, seed=0, dtype=C128)
    want = obs.expectation(st.reshape(4, 4)).mean()
    assert torch.allclose(z_t, want.reshape(1))


def test_compiled_trajectories_close_to_density():
    c = Circuit(2, [Op("h", (0,)), Op("cx", (0, 1)), Op("ry", (1,), (0.4,))])
    dc = DeviceCircuit(qcompile(c, "santiago", layout=[2, 3]))
    pd = dc.probabilities(dtype=C128)
    pt = dc.probabilities(method="trajectories", trajectories=3000, seed=1, dtype=C128)
    assert (pd - pt).abs().max() < 4 * (0.25 / 3000) ** 0.5


def test_trajectory_errors():
    with pytest.raises(ValueError, match="trajectories must be"):
        simulate_trajectories(Circuit(1, [Op("x", (0,))]), trajectories=0)
