"""The superoperator engine (qnas.sim.superop): fused == unfused == a dense reference, the
Heisenberg picture == the Schroedinger picture, gradients, plans, the Pauli basis."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import qnas
from qnas.gates import get_gate
from qnas.ir import Circuit, Op, Sym, inp, param
from qnas.noise import NoiseModel
from qnas.noise.channels import kraus_operators
from qnas.sim import superop
from qnas.sim.density import simulate_density

sys.path.insert(0, str(Path(__file__).parent))
from helpers import random_gate_wires  # noqa: E402

C64, C128 = torch.complex64, torch.complex128
GATES_1Q = ("h", "sx", "t", "rx", "ry", "rz", "u3")
GATES_2Q = ("cx", "cz", "cu3", "swap", "crx", "rzz")
CHANNELS_1Q = (("depolarizing", (0.05,)), ("amplitude_damping", (0.1,)),
               ("thermal_relaxation", (50e-6, 40e-6, 3e-6, 0.0)), ("phase_damping", (0.07,)),
               ("pauli_channel", (0.01, 0.02, 0.03)))


def random_noisy_circuit(n: int, depth: int, seed: int, n_inputs: int = 2,
                         late_inputs: bool = True) -> Circuit:
    """Gates with constants, parameters and inputs, each followed by a random channel; an
    input-dependent gate after the first entangler (not in the product prefix) if asked."""
    rng = np.random.default_rng(seed)
    ops = []
    names = [f"p{i}" for i in range(4)]
    for w in range(n):  # an encoder: per-wire input rotations (the product prefix)
        ops.append(Op("ry", (w,), (inp(f"x{w % n_inputs}"),)))
        ops.append(Op("depolarizing", (w,), (0.02,)))
    for d in range(depth):
        g, wires = random_gate_wires(n, rng, GATES_1Q, GATES_2Q, 0.45)
        k = get_gate(g).num_params
        vals = []
        for _ in range(k):
            r = rng.random()
            if r < 0.4:
                vals.append(param(names[rng.integers(len(names))]) * float(rng.uniform(0.5, 2))
                            + float(rng.uniform(-1, 1)))
            elif r < 0.5 and late_inputs and d > depth // 2:
                vals.append(inp(f"x{rng.integers(n_inputs)}"))
            else:
                vals.append(float(rng.uniform(-math.pi, math.pi)))
        ops.append(Op(g, wires, tuple(vals)))
        if late_inputs and d == depth // 2:  # data re-uploading after the entanglers
            ops.append(Op("rx", (n - 1,), (0.5 * inp("x0") + 0.2,)))
        if len(wires) == 2 and rng.random() < 0.5:
            ops.append(Op("depolarizing", wires, (0.03,)))
        ch, p = CHANNELS_1Q[rng.integers(len(CHANNELS_1Q))]
        ops.append(Op(ch, (wires[-1],), p))
    if n >= 3:
        ops.append(Op("ccx", (0, 1, 2)))  # wider than a block: applied on its own
        ops.append(Op("depolarizing", (2, 0, 1), (0.01,)))
    return Circuit(n, ops)


def _value(v, p: dict, x: dict):
    if isinstance(v, Sym):
        return v.scale * (x if v.kind == "input" else p)[v.name] + v.offset
    return float(v)


def dense_reference(circuit: Circuit, params, inputs, rho0=None) -> torch.Tensor:
    """rho -> sum_k K rho K^dag op by op with full tensors (complex128), sample by sample."""
    n = circuit.n_qubits
    p = dict(zip(circuit.parameters, params.tolist())) if params is not None else {}
    rows = inputs.shape[0] if inputs is not None else 1
    out = []
    for b in range(rows):
        x = dict(zip(circuit.inputs, inputs[b].tolist())) if inputs is not None else {}
        if rho0 is None:
            rho = torch.zeros(2**n, 2**n, dtype=C128)
            rho[0, 0] = 1
        else:
            rho = rho0[b].to(C128)
        t = rho.reshape([2] * (2 * n))
        for op in circuit.ops:
            g = get_gate(op.gate)
            vals = [_value(v, p, x) for v in op.params]
            m = len(op.wires)
            if g.kraus:
                ks = kraus_operators(g.name, vals, m, C128)
            elif g.name == "ccx":
                ks = qnas.gates.mcx_matrix(3, C128)[None]
            else:
                u = g.matrix(torch.tensor([vals], dtype=torch.float64), C128)
                ks = (u if u.dim() == 3 else u[None])[:1]
            rows_ax = [n - 1 - w for w in op.wires]  # axis of wire w among the rows
            cols_ax = [2 * n - 1 - w for w in op.wires]
            new = torch.zeros_like(t)
            for kmat in ks:
                kt = kmat.reshape([2] * (2 * m))
                y = torch.tensordot(kt, t, dims=(list(range(m, 2 * m)), rows_ax))
                y = torch.movedim(y, list(range(m)), rows_ax)
                y = torch.tensordot(kt.conj(), y, dims=(list(range(m, 2 * m)), cols_ax))
                y = torch.movedim(y, list(range(m)), cols_ax)
                new = new + y
            t = new
        out.append(t.reshape(2**n, 2**n))
    return torch.stack(out)


def _values(circuit, rows, seed, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    p = torch.rand(len(circuit.parameters), generator=g, dtype=dtype) * 4 - 2
    x = torch.rand(rows, len(circuit.inputs), generator=g, dtype=dtype) * 3
    return p, x


@pytest.mark.parametrize("n,seed", [(1, 0), (2, 1), (3, 2), (4, 3)])
def test_fused_unfused_and_dense_reference_agree(n, seed):
    c = random_noisy_circuit(n, 24, seed)
    p, x = _values(c, 3, seed)
    ref = dense_reference(c, p, x)
    for fuse in (False, 1, 2, 3):
        rho = simulate_density(c, p, x, C128, fuse=fuse)
        assert torch.allclose(rho, ref, atol=1e-12), (fuse, (rho - ref).abs().max())
    fused = simulate_density(c, p.float(), x.float(), C64)
    unfused = simulate_density(c, p.float(), x.float(), C64, fuse=False)
    assert (fused - unfused).abs().max() < 1e-6
    assert (fused - ref).abs().max() < 1e-6


def test_per_sample_parameters_and_initial_states():
    c = random_noisy_circuit(3, 16, 7)
    g = torch.Generator().manual_seed(0)
    p = torch.rand(2, len(c.parameters), generator=g, dtype=torch.float64)
    x = torch.rand(2, len(c.inputs), generator=g, dtype=torch.float64)
    ref = torch.cat([dense_reference(c, p[i], x[i : i + 1]) for i in range(2)])
    assert torch.allclose(simulate_density(c, p, x, C128), ref, atol=1e-12)
    psi = torch.randn(2, 8, dtype=C128, generator=g)
    psi = psi / psi.norm(dim=1, keepdim=True)
    rho0 = psi[:, :, None] * psi.conj()[:, None, :]
    want = dense_reference(c, p[0], x, rho0)
    for init in (psi, rho0):
        assert torch.allclose(simulate_density(c, p[0], x, C128, initial_state=init), want,
                              atol=1e-12)
    # a non-Hermitian initial operator goes through the (linear) maps too
    op0 = torch.randn(2, 8, 8, dtype=C128, generator=g)
    got = simulate_density(c, p[0], x, C128, initial_state=op0)
    assert torch.allclose(got, dense_reference(c, p[0], x, op0), atol=1e-12)


@pytest.mark.parametrize("late_inputs", [False, True])
def test_heisenberg_equals_schroedinger(late_inputs):
    c = random_noisy_circuit(4, 30, 11, late_inputs=late_inputs)
    plan = superop.get_plan(c, False, None, torch.float64, "cpu")
    assert (plan.last_batched_item >= 0) == late_inputs
    p, x = _values(c, 6, 3)
    probs = qnas.probabilities(dense_reference(c, p, x))
    z_ref = qnas.expz(probs, 4)
    for h in (True, False, None):
        z = superop.expz(c, p, x, None, C128, heisenberg=h)
        assert torch.allclose(z, z_ref, atol=1e-12)
        z1 = superop.expz(c, p, x, (2, 0), C128, heisenberg=h)
        assert torch.allclose(z1, z_ref[:, [2, 0]], atol=1e-12)
        m = superop.marginal_probabilities(c, p, x, (3, 1), C128, heisenberg=h)
        want = probs.reshape(6, 2, 2, 2, 2).sum((2, 4)).permute(0, 2, 1).reshape(6, 4)
        assert torch.allclose(m, want, atol=1e-12)
    z32 = superop.expz(c, p.float(), x.float(), None, C64)
    assert z32.dtype == torch.float32 and (z32 - z_ref).abs().max() < 1e-6


def test_heisenberg_gradients_match_finite_differences():
    nm = NoiseModel.from_target(qnas.Target.from_backend("santiago"), scale=5.0)
    c = Circuit(3, [Op("rz", (0,), (inp("x"),)), Op("sx", (0,)), Op("rz", (1,), (inp("y"),)),
                    Op("sx", (1,)), Op("rz", (0,), (param("a"),)), Op("cx", (0, 1)),
                    Op("sx", (2,)), Op("cx", (1, 2)), Op("rz", (2,), (2.0 * param("b") + 0.1,)),
                    Op("sx", (2,)), Op("rz", (1,), (inp("x"),)), Op("cx", (2, 1))])
    noisy = nm.apply(c)
    p0 = torch.tensor([0.4, -0.7], dtype=torch.float64)
    x0 = torch.tensor([[0.3, 1.0], [1.1, -0.4], [2.0, 0.2]], dtype=torch.float64)
    wts = torch.tensor([1.0, -0.5, 0.3], dtype=torch.float64)

    def f(p, x, h):
        return (superop.expz(noisy, p, x, None, C128, heisenberg=h) * wts).sum()

    for h in (True, False):
        p = p0.clone().requires_grad_(True)
        x = x0.clone().requires_grad_(True)
        gp, gx = torch.autograd.grad(f(p, x, h), (p, x))
        eps = 1e-6
        for i in range(2):
            d = torch.zeros(2, dtype=torch.float64)
            d[i] = eps
            fd = (f(p0 + d, x0, h) - f(p0 - d, x0, h)) / (2 * eps)
            assert abs(fd - gp[i]) < 1e-7
        for i in range(3):
            for j in range(2):
                d = torch.zeros(3, 2, dtype=torch.float64)
                d[i, j] = eps
                fd = (f(p0, x0 + d, h) - f(p0, x0 - d, h)) / (2 * eps)
                assert abs(fd - gx[i, j]) < 1e-7


def test_pauli_basis_round_trip_and_ptm():
    g = torch.Generator().manual_seed(1)
    a = torch.randn(3, 8, 8, dtype=C128, generator=g)
    rho = a @ a.mH
    rho = rho / rho.diagonal(dim1=1, dim2=2).sum(-1)[:, None, None]
    r = superop.pauli_vector(rho)
    assert not r.is_complex() and torch.allclose(r[:, 0], torch.ones(3, dtype=torch.float64))
    assert torch.allclose(superop.density_from_pauli(r, C128), rho, atol=1e-14)
    # the PTM of a unitary channel is orthogonal; of a channel, trace preserving (row 0 = e_0)
    u = get_gate("cu3").matrix(torch.tensor([[0.3, 0.2, -1.0]], dtype=torch.float64), C128)[0]
    ptm = superop.to_pauli(superop.unitary_superop(u))
    assert torch.allclose(ptm @ ptm.T, torch.eye(16, dtype=torch.float64), atol=1e-12)
    k = kraus_operators("thermal_relaxation", [5e-5, 4e-5, 1e-5, 0.0], 1, C128)
    ptm = superop.to_pauli(superop.kraus_superop(k))
    assert torch.allclose(ptm[0], torch.tensor([1.0, 0, 0, 0], dtype=torch.float64))


def test_plans_are_cached_and_fused():
    nm = NoiseModel.from_target(qnas.Target.from_backend("lima"))
    c = nm.apply(Circuit(3, [Op("rz", (0,), (inp("x"),)), Op("sx", (0,)), Op("cx", (0, 1)),
                             Op("rz", (1,), (param("a"),)), Op("sx", (1,)), Op("cx", (1, 2)),
                             Op("sx", (2,)), Op("cx", (0, 1))]))
    superop.clear_plans()
    stats = superop.plan_stats(c)
    assert stats["prefix_steps"] >= 1 and stats["singles"] == 0
    assert stats["blocks"] <= 3 < len(c.ops)
    x = torch.rand(5, 1)
    superop.expz(c, torch.tensor([0.3]), x)
    misses = superop._PLANS.misses
    superop.expz(c, torch.tensor([0.5]), torch.rand(7, 1))
    assert superop._PLANS.misses == misses  # same circuit, same batching: the same plan


def test_errors():
    c = Circuit(1, [Op("rx", (0,), (param("a"),)), Op("depolarizing", (0,), (0.1,))])
    with pytest.raises(ValueError, match="params"):
        simulate_density(c, torch.zeros(2, 3))
    with pytest.raises(ValueError, match="dtype"):
        simulate_density(c, torch.zeros(1), dtype=torch.float32)
    bad = Circuit(1, [Op("depolarizing", (0,), (param("p"),))])
    with pytest.raises(ValueError, match="symbolic"):
        simulate_density(bad, torch.zeros(1))
    with pytest.raises(ValueError, match="initial_state"):
        simulate_density(c, torch.zeros(1), initial_state=torch.ones(3))


def test_circuit_without_entangling_gates_runs_on_the_density_path():
    """Every op in the product prefix (no plan items left): used to crash (``mid`` None)."""
    from qnas.noisy import device_probabilities

    c = Circuit(2, [Op("rz", (0,), (param("a"),)), Op("sx", (0,)), Op("x", (1,))])
    p = torch.tensor([[0.3], [0.2]])
    dens = device_probabilities(c, p, None, "santiago", [0, 1], method="density")
    traj = device_probabilities(c, p, None, "santiago", [0, 1], method="trajectories")
    assert torch.allclose(dens.sum(-1), torch.ones(2), atol=1e-5)
    assert torch.allclose(dens, traj, atol=0.02)
    assert dens[0, 2] > 0.45 and dens[0, 3] > 0.45  # sx|0> on qubit 0, qubit 1 flipped
