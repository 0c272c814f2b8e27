"""The plan-free one-shot simulator (``qnas.sim.oneshot``) computes what ``qnas.simulate`` does:
statevectors and unitaries of random circuits over every gate, density matrices with every
channel, device noise inserted on the fly, gradients, and the errors."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import qnas
from qnas.ir import Circuit, Op, inp, param
from qnas.noise import NoiseModel
from qnas.noise.channels import CHANNELS
from qnas.sim import oneshot

sys.path.insert(0, str(Path(__file__).parent))
from helpers import random_circuit, random_gate_wires  # noqa: E402

C128 = torch.complex128


def _symbolic(circuit: Circuit, rng) -> Circuit:
    """``circuit`` with some angles turned into parameters and inputs (scaled, offset)."""
    ops = []
    for i, op in enumerate(circuit.ops):
        if op.gate in ("unitary",) or not op.params or rng.random() < 0.3:
            ops.append(op)
            continue
        sym = inp(f"x{i % 3}") if rng.random() < 0.4 else param(f"p{i}")
        ops.append(Op(op.gate, op.wires, (1.5 * sym - 0.2,) + op.params[1:]))
    return Circuit(circuit.n_qubits, tuple(ops))


def _values(circuit: Circuit, batch: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    p = torch.rand(batch, len(circuit.parameters), generator=g, dtype=torch.float64) * 6
    x = torch.rand(batch, len(circuit.inputs), generator=g, dtype=torch.float64) * 6
    return (p if circuit.parameters else None), (x if circuit.inputs else None)


@pytest.mark.parametrize("n, seed", [(1, 0), (3, 1), (4, 2), (5, 3)])
def test_statevector_and_unitary_of_random_circuits_over_every_gate(n, seed):
    rng = np.random.default_rng(seed)
    c = _symbolic(random_circuit(n, 50, rng), rng)
    p, x = _values(c, 4, seed)
    want = qnas.simulate(c, p, x, C128)
    assert torch.allclose(oneshot.statevector(c, p, x), want, atol=1e-10)
    u = oneshot.unitary(c, p, x)  # column 0 is the state of |0...0>
    assert torch.allclose(u[:, :, 0], want, atol=1e-10)
    basis = torch.eye(2**n, dtype=C128)[1]
    assert torch.allclose(u[:, :, 1], qnas.simulate(c, p, x, C128, initial_state=basis),
                          atol=1e-10)


def _noisy_random(n: int, depth: int, rng) -> Circuit:
    """Gates and every channel kind at random positions (1- and 2-wire depolarizing)."""
    ops = []
    for i in range(depth):
        r = rng.random()
        if r < 0.3:
            name = CHANNELS[int(rng.integers(len(CHANNELS)))]
            w = (int(rng.integers(n)),)
            params = {"depolarizing": (0.05,), "pauli_channel": (0.02, 0.03, 0.04),
                      "thermal_relaxation": (60e-6, 50e-6, 2e-6, 0.02)}.get(name, (0.1,))
            if name == "depolarizing" and n > 1 and rng.random() < 0.5:
                w = tuple(int(v) for v in rng.choice(n, 2, replace=False))
            ops.append(Op(name, w, params))
            continue
        g, wires = random_gate_wires(n, rng, ["rz", "sx", "x", "ry", "h"], ["cx", "cz", "ecr"],
                                     0.35)
        params = (param(f"p{i}"),) if g in ("rz", "ry") else ()
        ops.append(Op(g, wires, params))
    return Circuit(n, tuple(ops))


@pytest.mark.parametrize("n, seed", [(1, 0), (2, 1), (4, 2), (5, 3)])
def test_density_with_every_channel_matches_simulate(n, seed):
    c = _noisy_random(n, 60, np.random.default_rng(seed))
    p, x = _values(c, 3, seed)
    want = qnas.simulate(c, p, x, C128, method="density")
    assert torch.allclose(oneshot.density(c, p, x), want, atol=1e-12)
    probs = oneshot.probabilities(c, p, x)
    assert torch.allclose(probs, want.diagonal(dim1=-2, dim2=-1).real, atol=1e-12)


def test_density_of_three_qubit_gates_and_channels():
    c = Circuit(3, (Op("h", (0,)), Op("ccx", (0, 1, 2)), Op("depolarizing", (2, 0, 1), (0.1,)),
                    Op("ry", (1,), (0.3,)), Op("cx", (2, 0)), Op("amplitude_damping", (0,), (0.2,)),
                    Op("cx", (2, 0)), Op("depolarizing", (0, 2), (0.1,)), Op("ccx", (2, 1, 0))))
    assert torch.allclose(oneshot.density(c), qnas.simulate(c, dtype=C128, method="density"),
                          atol=1e-12)


@pytest.mark.parametrize("device, n", [("lima", 5), ("santiago", 4)])
def test_device_noise_inserted_on_the_fly_matches_the_noisy_circuit(device, n):
    model = NoiseModel.from_target(device)
    rng = np.random.default_rng(n)
    edges = [tuple(e) for e in model.target.coupling_map if max(e) < n]
    ops = []
    for i in range(80):
        r = rng.random()
        if r < 0.3:
            ops.append(Op("cx", tuple(int(w) for w in edges[rng.integers(len(edges))])))
        elif r < 0.55:
            ops.append(Op(["sx", "x"][int(rng.integers(2))], (int(rng.integers(n)),)))
        else:
            sym = param(f"p{i}") if r < 0.85 else 2 * inp(f"x{i % 2}") + 0.3
            ops.append(Op("rz", (int(rng.integers(n)),), (sym,)))
    c = Circuit(n, tuple(ops))
    p, x = _values(c, 5, 0)
    want = qnas.simulate(model.apply(c), p, x, C128, method="density")
    assert torch.allclose(oneshot.density(c, p, x, noise=model.gate_noise), want, atol=1e-12)


def test_gradients_match_the_planned_simulator():
    c = _noisy_random(3, 40, np.random.default_rng(7))
    p0, _ = _values(c, 2, 7)
    z = torch.tensor([1.0, -1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0], dtype=torch.float64)

    def grad(fn):
        p = p0.clone().requires_grad_(True)
        (fn(p) @ z).sum().backward()
        return p.grad

    mine = grad(lambda p: oneshot.probabilities(c, p))
    planned = grad(lambda p: qnas.simulate(c, p, None, C128, method="density")
                   .diagonal(dim1=-2, dim2=-1).real)
    assert torch.allclose(mine, planned, atol=1e-10)
    assert mine.abs().sum() > 0


def test_bad_input_is_named():
    c = Circuit(1, (Op("rx", (0,), (param("a"),)), Op("bit_flip", (0,), (0.1,))))
    with pytest.raises(ValueError, match="needs a density matrix"):
        oneshot.statevector(c, torch.tensor([0.1]))
    with pytest.raises(ValueError, match="NaN"):
        oneshot.density(c, torch.tensor([float("nan")]))
    with pytest.raises(ValueError, match="needs params"):
        oneshot.density(c)
    with pytest.raises(ValueError, match="initial_state"):
        oneshot.statevector(Circuit(2, ()), initial_state=torch.ones(3))


def test_batched_initial_states_without_values():
    c = Circuit(2, (Op("h", (0,)), Op("cx", (0, 1)), Op("rz", (1,), (0.4,))))
    init = torch.eye(4, dtype=C128)
    want = qnas.simulate(c, dtype=C128, initial_state=init)
    assert torch.allclose(oneshot.statevector(c, initial_state=init), want, atol=1e-12)
    rho = oneshot.density(c, initial_state=init)
    assert torch.allclose(rho, want[:, :, None] * want.conj()[:, None, :], atol=1e-12)
