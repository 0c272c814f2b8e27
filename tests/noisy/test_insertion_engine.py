"""Gate insertion's engine (qnas.sim.trajectories.simulate_pauli_insertions): sparse Pauli
errors on the fused noise-free circuit equal the insertion circuit with u3 gates, values and
gradients, and the chain's gate insertion draws the same patterns as before."""

from __future__ import annotations

import torch

from qnas.ir import Circuit, Op, inp, param
from qnas.noisy import DeviceCircuit
from qnas.sim import probabilities, simulate
from qnas.sim.trajectories import simulate_pauli_insertions

C128 = torch.complex128


def _circuit() -> Circuit:
    """Encoder, entanglers, parameters and an input after the entanglers (a per-sample op
    outside the product prefix)."""
    return Circuit(4, [
        Op("ry", (0,), (inp("x0"),)), Op("rx", (1,), (inp("x1"),)), Op("ry", (3,), (inp("x0"),)),
        Op("u3", (0,), (param("a"), 0.2, param("b"))), Op("cx", (0, 1)),
        Op("cu3", (1, 2), (param("b"), param("c"), 0.3)), Op("cx", (2, 3)),
        Op("ry", (2,), (0.5 * inp("x1"),)), Op("cx", (3, 0)), Op("ry", (1,), (param("c"),)),
        Op("cx", (1, 2)), Op("rz", (3,), (param("a"),)), Op("cx", (2, 1)),
    ])


def _dc():
    return DeviceCircuit.compile(_circuit(), "lima", [4, 3, 1, 0])


def test_equals_the_insertion_circuit_values_and_gradients():
    dc = _dc()
    gi = dc.insertion(25.0)  # many errors per row
    slots = dc.insertion_slots(25.0)
    assert len(slots) == gi.n_slots
    g = torch.Generator().manual_seed(0)
    x0 = torch.rand(12, 2, generator=g, dtype=torch.float64) * 3
    p0 = torch.tensor([0.7, 1.9, -0.6], dtype=torch.float64)
    paulis = gi.sample_paulis(12, torch.Generator().manual_seed(1))
    assert (paulis != 0).sum(1).float().mean() > 3
    angles = gi.angles(paulis, torch.float64)
    w = torch.rand(2**dc.circuit.n_qubits, dtype=torch.float64, generator=g)

    def new(p, x):
        return probabilities(simulate_pauli_insertions(dc.circuit, slots, paulis, p, x, C128))

    def old(p, x):
        return probabilities(simulate(gi.circuit, p, torch.cat([x, angles], -1), C128))

    assert torch.allclose(new(p0, x0), old(p0, x0), atol=1e-12)
    for fuse in (1, 2, 3):
        s = simulate_pauli_insertions(dc.circuit, slots, paulis, p0, x0, C128, fuse=fuse)
        assert torch.allclose(probabilities(s), old(p0, x0), atol=1e-12)
    grads = []
    for fn in (new, old):
        p = p0.clone().requires_grad_(True)
        x = x0.clone().requires_grad_(True)
        grads.append(torch.autograd.grad((fn(p, x) @ w).sum(), (p, x)))
    assert torch.allclose(grads[0][0], grads[1][0], atol=1e-10)
    assert torch.allclose(grads[0][1], grads[1][1], atol=1e-10)
    # per-sample parameters
    pb = p0 + 0.1 * torch.rand(12, 3, generator=g, dtype=torch.float64)
    assert torch.allclose(new(pb, x0), old(pb, x0), atol=1e-12)


def test_chain_gate_insertion_draws_the_same_patterns():
    dc = _dc()
    x = torch.rand(8, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    p = torch.tensor([0.7, 1.9, -0.6], dtype=torch.float64)
    got = dc.probabilities(p, x, method="gate_insertion", seed=5, scale=10.0, dtype=C128,
                           readout_error=False)
    gi = dc.insertion(10.0)
    rows = gi.inputs(x, torch.Generator().manual_seed(5))
    ref = dc.compiled.logical_probabilities(probabilities(simulate(gi.circuit, p, rows, C128)))
    assert torch.allclose(got, ref, atol=1e-12)
