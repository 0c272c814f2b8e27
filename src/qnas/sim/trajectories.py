"""Quantum trajectories: statevectors with sampled errors, ``[B, T, 2**n]``, seeded.

Each of the ``B`` samples is run ``T`` times as one batch of ``B*T`` statevectors. Pauli
channels (depolarizing, pauli/bit/phase flip) apply a Pauli drawn from their probabilities;
any other Kraus channel (thermal relaxation, amplitude damping...) is unravelled exactly:
operator ``k`` is chosen with probability ``||K_k psi||^2`` and the state renormalised, so
``mean_t |psi_t><psi_t|`` is an unbiased estimate of the density matrix. Draws come from one
``torch.Generator`` (``generator``, or one seeded with ``seed``): results are reproducible.

>>> import torch
>>> from qnas.ir import Circuit, Op
>>> c = Circuit(1, [Op("bit_flip", (0,), (0.5,))])
>>> s = simulate_trajectories(c, trajectories=1000, seed=0)
>>> s.shape, round(float((s.abs() ** 2)[0, :, 1].mean()), 1)
(torch.Size([1, 1000, 2]), 0.5)
"""

from __future__ import annotations

import torch

from qnas.gates import get_gate
from qnas.ir import Circuit
from qnas.noise.channels import _pauli_stack, is_pauli_channel, kraus_operators, pauli_probabilities
from qnas.sim.binding import bind
from qnas.sim.kernels import LazyState, permute_gate_matrix, zero_state


def simulate_trajectories(
    circuit: Circuit,
    params=None,
    inputs=None,
    dtype: torch.dtype = torch.complex64,
    device=None,
    trajectories: int = 100,
    seed: int | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Sampled statevectors ``[B, trajectories, 2**n]`` of a circuit with channel ops.

    Draws come from ``generator`` if given (on the simulation device), else from a fresh
    generator seeded with ``seed`` (None: a random seed).
    """
    if dtype not in (torch.complex64, torch.complex128):
        raise ValueError(f"dtype must be torch.complex64 or torch.complex128, got {dtype}")
    t = int(trajectories)
    if t < 1:
        raise ValueError(f"trajectories must be >= 1, got {trajectories}")
    n = circuit.n_qubits
    b = bind(circuit, params, inputs, dtype, device)
    dev = next((m.device for m in b.mats if m is not None), torch.device(device or "cpu"))
    gen = generator
    if gen is None:
        gen = torch.Generator(device=dev)
        gen.manual_seed(int(seed) if seed is not None else int(torch.seed() % 2**63))
    bt = b.batch * t
    lazy = LazyState(zero_state(n, 1, dtype, dev), n)
    for i, op in enumerate(circuit.ops):
        g = get_gate(op.gate)
        if not g.kraus:
            m = b.mats[i]
            if b.batched[i]:  # [B, ...] -> [B*T, ...] (sample-major, trajectory-minor)
                m = m.repeat_interleave(t, 0)
            lazy.apply(m, op.wires, b.diagonal[i])
            continue
        if lazy.x.shape[0] != bt:
            lazy.x = lazy.x.expand(bt, -1).contiguous()
        if is_pauli_channel(op):
            _pauli_step(lazy, op, dtype, dev, gen)
        else:
            _kraus_step(lazy, op, dtype, dev, gen)
    out = lazy.canonical()
    if out.shape[0] != bt:
        out = out.expand(bt, -1)
    return out.reshape(b.batch, t, 2**n)


def _pauli_step(lazy: LazyState, op, dtype, dev, gen) -> None:
    _labels, probs = pauli_probabilities(op)
    bt = lazy.x.shape[0]
    pick = torch.multinomial(probs.to(dev), bt, replacement=True, generator=gen)
    if not bool((pick != 0).any()):
        return
    paulis = _pauli_stack(len(op.wires), dtype, str(dev))
    lazy.apply(paulis[pick], op.wires)


def _kraus_step(lazy: LazyState, op, dtype, dev, gen) -> None:
    """Exact unravelling: pick K_k with probability ||K_k psi||^2, renormalise."""
    kraus = kraus_operators(op.gate, [float(v) for v in op.params], len(op.wires), dtype).to(dev)
    n, wires = lazy.n, list(op.wires)
    d = kraus.shape[-1]
    bt = lazy.x.shape[0]
    # Bring the channel's wires to the last axes (as LazyState.apply does).
    tail = lazy.order[n - len(wires):]
    if set(tail) == set(wires):
        if list(tail) != wires:
            kraus = permute_gate_matrix(kraus, [wires.index(q) for q in tail])
        x = lazy.x.reshape(bt, -1, d)
    else:
        new = [q for q in lazy.order if q not in wires] + wires
        perm = [0] + [1 + lazy.order.index(q) for q in new]
        x = lazy.x.reshape([bt] + [2] * n).permute(perm).reshape(bt, -1, d)
        lazy.order = new
    branches = torch.einsum("kij,brj->bkri", kraus, x)  # [BT, K, M, d]
    weights = (branches.real**2 + branches.imag**2).sum((-1, -2))  # [BT, K]
    w = weights.detach().to(torch.float64).clamp_min(0)
    pick = torch.multinomial(w / w.sum(-1, keepdim=True), 1, generator=gen)[:, 0]
    rows = torch.arange(bt, device=x.device)
    chosen = branches[rows, pick]  # [BT, M, d]
    norm = weights[rows, pick].clamp_min(1e-300).sqrt()
    lazy.x = (chosen / norm[:, None, None].to(chosen.dtype)).reshape(bt, -1)


__all__ = ["simulate_trajectories"]
